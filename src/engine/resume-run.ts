import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, RefusalError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { describeTarget } from '../postgres/url.js';
import type { OperatorEvent, ProcedureContext } from '../procedure/compile-procedure.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { resolveParams } from '../procedure/resolve-params.js';
import { FileRunStore } from '../runs/file-run-store.js';
import { EventLog } from './event-log.js';
import { driveToRest } from './drive-to-rest.js';
import type { RunResult } from './finish-run.js';
import {
  authorize,
  lockTargetDatabase,
  targetDatabase,
  recordedCommand,
  openServer,
  operatorIdentity,
  plannedUrl,
  sessionDefaults,
  type AuthorityFlags,
  type SessionOptions,
  confirmedGates,
} from './run-session.js';
import type { StepDecision } from './step-executor.js';
import type { EventLogEntry } from './event-hash.js';
import { readEventLog } from './verify-event-log.js';
import { XSTATE_VERSION } from './xstate-version.js';
import { resumeCommand } from './resume-command.js';
import { shownTargetUrl } from './shown-target.js';

/** Options of {@link resumeRun}. */
export interface ResumeRunOptions extends SessionOptions {
  /** Run id, unique prefix, or `last`. */
  run: string;
  /** Retry the failed step(s) (the default when the run stopped on a failure). */
  retry?: boolean;
  /** Mark this failed step done by hand, or record this in-doubt migration as applied. */
  skip?: string;
  /** Accept applied migrations whose files changed since they ran. */
  allowChanged?: boolean;
  /** Accept a procedure file that changed since the run started. */
  allowProcedureChange?: boolean;
  /** Secret params are never stored: give them again (raw `--param` values). */
  params?: Record<string, string>;
  authority?: AuthorityFlags;
  command?: string;
}

/**
 * Continues a stopped or interrupted run from where it stopped: the persisted snapshot is
 * restored (an in-flight step is re-invoked; every action reconciles before acting), failed steps
 * are retried or skipped as the operator says (recorded with who and when), and the run is driven
 * to rest again. Refuses a changed procedure file unless told, a different target (host, port or
 * database), and a run another live process is driving.
 */
export async function resumeRun(options: ResumeRunOptions): Promise<RunResult> {
  const d = sessionDefaults(options);
  const store = new FileRunStore(d.runsDir).check('write');
  const runId = await store.resolve(options.run);
  const record = await store.readRecord(runId);
  if (options.retry && options.skip) {
    throw new InvalidInputError([
      { message: 'give either --retry or --skip <step>, not both', path: '--skip' },
    ]);
  }
  const procedureFile = path.resolve(d.cwd, record.procedureFile);
  const procedure = await loadProcedure(procedureFile, { actions: d.actions });
  const changed = procedure.source.hash !== record.procedureHash;
  if (changed && !options.allowProcedureChange) {
    throw new InvalidInputError([
      {
        message: `procedure file changed since run ${runId} started (hash ${record.procedureHash.slice(0, 12)} → ${procedure.source.hash.slice(0, 12)})`,
        path: record.procedureFile,
        hint: 'restore the file, or pass --allow-procedure-change to resume with the new one',
      },
    ]);
  }
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.params)) {
    if (!(procedure.params[k]?.secret && v === '***')) raw[k] = JSON.stringify(v);
  }
  const params = resolveParams(procedure, { ...raw, ...(options.params ?? {}) }, d.cwd);

  if (record.server === 'url' && !options.databaseUrl && !d.env.DATABASE_URL) {
    const t = record.target;
    throw new RefusalError(
      'TARGET_MISMATCH',
      `run ${runId} ran against ${t.host}:${t.port}/${t.database}, not the embedded server; ` +
        `give its URL again (passwords are never stored): ${resumeCommand(record)}`,
    );
  }
  const decision = authorize(
    procedure,
    d,
    options.authority,
    plannedUrl(options.databaseUrl, d.env),
  );
  const server = await openServer(options.databaseUrl, d.env, d.embeddedDir);
  const target = describeTarget(server.url);
  const rec = record.target;
  if (target.host !== rec.host || target.port !== rec.port || target.database !== rec.database) {
    await server.release();
    throw new RefusalError(
      'TARGET_MISMATCH',
      `run ${runId} ran against ${rec.host}:${rec.port}/${rec.database}; refusing to resume it against ${target.host}:${target.port}/${target.database}`,
    );
  }
  const lock = await store.acquireLock(runId, {
    command: recordedCommand(options.command ?? 'resume', procedure, params),
  });
  const connections = new Connections(server.url, { applicationName: `runbook:${runId}` });
  try {
    const snapshotFile = await store.readSnapshot(runId);
    if (snapshotFile && snapshotFile.xstateVersion.split('.')[0] !== XSTATE_VERSION.split('.')[0]) {
      throw new InvalidInputError([
        {
          message: `snapshot written by xstate ${snapshotFile.xstateVersion}; this is xstate ${XSTATE_VERSION}`,
        },
      ]);
    }
    const context = (snapshotFile?.snapshot as { context?: ProcedureContext } | null)?.context;
    const failed = Object.keys(context?.failures ?? {});
    if (record.status === 'succeeded') {
      d.reporter.line(`run ${runId} already succeeded; nothing to resume`);
      await lock.release();
      return {
        runId,
        status: 'succeeded',
        exitCode: 0,
        failures: [],
        outputs: context?.outputs ?? {},
        checklist: [],
        runDir: path.dirname(store.eventLogPath(runId)),
      };
    }
    await lockTargetDatabase(connections, targetDatabase(params));

    const by = operatorIdentity(d.env);
    const events: OperatorEvent[] = [];
    let stepDecision: { steps: ReadonlySet<string>; decision: StepDecision } | undefined;
    // The steps an operator's decision is for: those that failed, and those a crash left in flight.
    const pending = [...new Set([...failed, ...(context?.running ?? [])])];
    const cleanup = new Set(procedure.finally.map((s) => s.id));
    if (options.skip && cleanup.has(options.skip)) {
      throw new InvalidInputError([
        {
          message: `${options.skip} is a finally (cleanup) step: it runs again on resume and cannot be marked done by hand`,
          path: '--skip',
        },
      ]);
    }
    if (options.skip && failed.includes(options.skip)) {
      events.push({ type: 'SKIP', step: options.skip });
    } else if (options.skip) {
      if (pending.length === 0) {
        throw new InvalidInputError([
          {
            message: `no failed or interrupted step in run ${runId} to skip ${options.skip} in`,
            path: '--skip',
          },
        ]);
      }
      // Not a step: an in-doubt item inside a failed or interrupted step (a non-transactional
      // migration recorded as applied without running it).
      stepDecision = { steps: new Set(pending), decision: { kind: 'skip', target: options.skip } };
      if (failed.length > 0) events.push({ type: 'RETRY' });
    } else {
      // Only an explicit --retry re-runs an in-doubt item; a plain resume retries failed steps,
      // and a step that finds work in doubt stops again and asks.
      if (options.retry && pending.length > 0) {
        stepDecision = { steps: new Set(pending), decision: { kind: 'retry' } };
      }
      if (failed.length > 0) events.push({ type: 'RETRY' });
    }

    const journal = EventLog.open(store.eventLogPath(runId));
    const entries = readEventLog(store.eventLogPath(runId));
    const attempts: Record<string, number> = {};
    let lastLoggedValue: string | undefined;
    const settledInLog = new Map<string, EventLogEntry>();
    for (const e of entries) {
      if (e.type === 'step.started' && e.step) {
        attempts[e.step] = (attempts[e.step] ?? 0) + 1;
        settledInLog.delete(e.step);
      }
      if ((e.type === 'step.succeeded' || e.type === 'step.failed') && e.step)
        settledInLog.set(e.step, e);
      if (e.type === 'transition') lastLoggedValue = JSON.stringify((e.data as JsonObject).value);
    }
    // A step the checkpoint shows in flight whose outcome already reached the log finished before
    // the process died: it takes that outcome instead of running a second time.
    const recordedOutcomes = new Map(
      [...settledInLog].filter(([step]) => (context?.running ?? []).includes(step)),
    );
    try {
      if (lock.recoveredStale) {
        await journal.append('lock.recovered', null, lock.recoveredStale as unknown as JsonObject);
        d.reporter.line(`recovered a stale lock left by pid ${lock.recoveredStale.pid ?? '?'}`);
      }
      if (changed) {
        await journal.append('procedure.changed', null, {
          old_hash: record.procedureHash,
          new_hash: procedure.source.hash,
          by,
        });
        await store.writeArtifact(
          runId,
          `procedure-${procedure.source.hash.slice(0, 12)}.yaml`,
          await readFile(procedureFile, 'utf8'),
        );
        record.procedureHash = procedure.source.hash;
      }
      const restoredValue = (snapshotFile?.snapshot as { value?: JsonValue } | null)?.value ?? null;
      await journal.append('run.resumed', null, {
        by,
        attempt: record.attempts + 1,
        retry: Boolean(options.retry) || (!options.skip && failed.length > 0),
        skip: options.skip ?? null,
        allow_changed: Boolean(options.allowChanged),
        allow_procedure_change: Boolean(options.allowProcedureChange),
        restored_value: restoredValue,
        failed_steps: failed,
      });
      for (const e of events) {
        if (e.type === 'SKIP')
          await journal.append('step.skipped', e.step, { by, reason: 'resume --skip' });
      }
      record.attempts += 1;
      record.status = 'running';
      record.updatedAt = new Date().toISOString();
      await store.writeRecord(record);
      d.reporter.line(
        `runbook ▸ resuming ${runId} (attempt ${record.attempts}) on ${shownTargetUrl(connections.redactedUrl, record.params)}`,
      );
      return await driveToRest(
        {
          d,
          store,
          record,
          procedure,
          params: params as Record<string, JsonValue>,
          connections,
          journal,
          confirmations: confirmedGates(decision.confirmations, options.authority),
        },
        {
          allowChanged: Boolean(options.allowChanged),
          attempts,
          ...(stepDecision ? { decision: stepDecision } : {}),
          ...(snapshotFile ? { restored: snapshotFile } : {}),
          operatorEvents: events,
          ...(lastLoggedValue ? { lastLoggedValue } : {}),
          recordedOutcomes,
        },
      );
    } finally {
      journal.close();
    }
  } finally {
    await lock.release();
    await connections.end();
    await server.release();
  }
}

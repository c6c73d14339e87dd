import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, RefusalError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { describeTarget } from '../postgres/target.js';
import { redactUrl } from '../postgres/url.js';
import type { ProcedureContext } from '../procedure/compile-procedure.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { resolveParams } from '../procedure/resolve-params.js';
import { containsSecret } from '../runs/secret-guard.js';
import { sessionTag } from '../runs/session-tag.js';
import { driveToRest } from './drive-to-rest.js';
import type { RunResult } from './finish-run.js';
import {
  authorize,
  lockTargetDatabase,
  targetDatabase,
  openServer,
  operatorIdentity,
  type ServerSession,
  plannedUrl,
  sessionDefaults,
  sessionStore,
  type AuthorityFlags,
  type SessionOptions,
  confirmedGates,
} from './run-session.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { operatorDecision, resumeParams, verifyRunForResume } from './resume-checks.js';
import { redactArguments } from './redact-arguments.js';
import { stateKey } from './drive-run.js';
import { XSTATE_VERSION } from './xstate-version.js';
import { resumeCommand } from './resume-command.js';
import { endLeftoverSessions, leftoverSessionsEvent } from './leftover-sessions.js';
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
  /** What the operator did between attempts (recorded in the log; shown by inspect, replay, report). */
  note?: string;
  /**
   * Take the run's lock even though its holder looks alive (a reused pid) or is on another host:
   * the operator vouches that it is gone. Recorded in the log with who and when.
   */
  breakLock?: boolean;
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
  const store = sessionStore(options, d);
  const runId = await store.resolve(options.run);
  const record = await store.readRecord(runId);
  if (options.retry && options.skip) {
    throw new InvalidInputError([
      { message: 'give either --retry or --skip <step>, not both', path: '--skip' },
    ]);
  }
  if (options.note !== undefined && options.note.trim() === '') {
    throw new InvalidInputError([{ message: 'the note is empty', path: '--note' }]);
  }
  // A note is free text an operator may paste a connection string into: its passwords are masked
  // before anything runs, so it can be recorded and printed (the log refuses a password).
  const note = options.note === undefined ? undefined : redactUrl(options.note);
  if (note !== undefined && containsSecret(JSON.stringify(note))) {
    throw new InvalidInputError([
      {
        message: 'the note holds a password that cannot be masked; it is never recorded',
        path: '--note',
        hint: 'leave the password out of the note',
      },
    ]);
  }
  if (note !== options.note) {
    d.reporter.line('note: a password in the note was masked (***) before it was recorded');
  }
  // The run lock first: nobody else writes the run while it is verified and resumed. The values
  // given with --param are secret ones (checked below): masked in the recorded command.
  const lock = await store.acquireLock(runId, {
    command: redactArguments(
      redactUrl(options.command ?? 'resume'),
      Object.values(options.params ?? {}),
    ) as string,
    breakLock: Boolean(options.breakLock),
  });
  let server: ServerSession | undefined;
  let connections: Connections | undefined;
  try {
    // The log is the truth: run.json and the checkpoint must agree with it (else exit 4).
    const verified = await verifyRunForResume(store, record);
    const { facts, snapshot: snapshotFile } = verified;
    // What the log says wins over run.json where a crash may have left them one step apart.
    record.procedureHash = facts.procedureHash;
    record.attempts = facts.attempts;
    const procedureFile = path.resolve(d.cwd, facts.procedureFile);
    const procedure = await loadProcedure(procedureFile, { actions: d.actions });
    const changed = procedure.source.hash !== facts.procedureHash;
    if (changed && !options.allowProcedureChange) {
      throw new InvalidInputError([
        {
          message: `procedure file changed since run ${runId} started (hash ${facts.procedureHash.slice(0, 12)} → ${procedure.source.hash.slice(0, 12)})`,
          path: facts.procedureFile,
          hint: 'restore the file, or pass --allow-procedure-change to resume with the new one',
        },
      ]);
    }
    if (snapshotFile && snapshotFile.xstateVersion.split('.')[0] !== XSTATE_VERSION.split('.')[0]) {
      throw new InvalidInputError([
        {
          message: `snapshot written by xstate ${snapshotFile.xstateVersion}; this is xstate ${XSTATE_VERSION}`,
        },
      ]);
    }
    const params = resolveParams(
      procedure,
      resumeParams(procedure, facts.params, options.params ?? {}),
      d.cwd,
    );

    const context = (snapshotFile?.snapshot as { context?: ProcedureContext } | null)?.context;
    const failed = Object.keys(context?.failures ?? {});
    if (facts.status === 'succeeded') {
      const incomplete = (facts.lastRunEvent.data as JsonObject).status === 'incomplete';
      const status = incomplete ? 'incomplete' : 'succeeded';
      if (record.status !== status) {
        // The process died between its final log line and run.json: the log says how it ended.
        record.status = status;
        await store.writeRecord(record);
      }
      d.reporter.line(
        incomplete
          ? `run ${runId} finished with checklist items not PASS; nothing to resume (start a new run)`
          : `run ${runId} already succeeded; nothing to resume`,
      );
      return {
        runId,
        status,
        exitCode: incomplete ? 1 : 0,
        failures: [],
        outputs: context?.outputs ?? {},
        checklist: [],
        runDir: store.location(runId),
      };
    }
    const by = operatorIdentity(d.env);
    const { events, stepDecision } = operatorDecision(
      options,
      runId,
      procedure,
      snapshotFile,
      (l) => d.reporter.line(l),
    );

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
    server = await openServer(options.databaseUrl, d.env, d.embeddedDir);
    const target = describeTarget(server.url);
    const rec = record.target;
    if (target.host !== rec.host || target.port !== rec.port || target.database !== rec.database) {
      throw new RefusalError(
        'TARGET_MISMATCH',
        `run ${runId} ran against ${rec.host}:${rec.port}/${rec.database}; refusing to resume it against ${target.host}:${target.port}/${target.database}`,
      );
    }
    connections = new Connections(server.url, { applicationName: sessionTag(runId) });
    const leftovers = await endLeftoverSessions(connections, runId, d.reporter);
    await lockTargetDatabase(connections, targetDatabase(params));

    const entries = verified.entries;
    const journal = await store.openEventLog(runId);
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
      if (e.type === 'transition') lastLoggedValue = stateKey((e.data as JsonObject).value);
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
      if (leftovers.length > 0) {
        await journal.append('sessions.terminated', null, leftoverSessionsEvent(leftovers));
      }
      if (lock.broken) {
        const held = lock.broken;
        await journal.append('lock.broken', null, {
          by,
          holder: held as unknown as JsonObject,
          reason: 'resume --break-lock',
        });
        d.reporter.line(
          `broke the lock held by pid ${held.pid} on ${held.host} since ${held.since} (${held.command})`,
        );
      }
      if (changed) {
        await journal.append('procedure.changed', null, {
          old_hash: record.procedureHash,
          new_hash: procedure.source.hash,
          by,
        });
        await store.saveProcedureSource(
          runId,
          await readFile(procedureFile, 'utf8'),
          procedure.source.hash,
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
        previous_status: facts.status,
        note: note ?? null,
        break_lock: Boolean(options.breakLock),
      });
      if (note) d.reporter.line(`note: ${note}`);
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
      await journal.close();
    }
  } finally {
    await lock.release();
    await connections?.end();
    await server?.release();
  }
}

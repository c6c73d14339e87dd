import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import { redactUrl } from '../postgres/url.js';
import type { ProcedureContext } from '../procedure/compile-procedure.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { passwordLiteralProblems } from '../procedure/password-literals.js';
import { readProcedureSource } from './read-procedure-source.js';
import { resolveParams } from '../procedure/resolve-params.js';
import type { Procedure } from '../procedure/types.js';
import type { RunRecord, RunStore } from '../runs/run-store.js';
import type { AuthorityFlags } from './authorize-procedure.js';
import { driveToRest } from './drive-to-rest.js';
import type { RunResult } from './finish-run.js';
import { endLeftoverSessions, type LeftoverSession } from './leftover-sessions.js';
import { withRunSession, type RunSession } from './open-run-session.js';
import { operatorIdentity } from './operator-identity.js';
import { recordResumption, type Resumption } from './record-resumption.js';
import { containsSecret } from '../postgres/find-passwords.js';
import { redactJson } from '../postgres/redact.js';
import type { Reporter } from './reporter.js';
import {
  operatorDecision,
  refuseOtherTarget,
  requireUrlAgain,
  resumeParams,
  verifyRunForResume,
  type VerifiedRun,
} from './resume-checks.js';
import { resumePosition } from './resume-position.js';
import {
  resolveSessionOptions,
  sessionStore,
  type SessionOptions,
  type SessionSettings,
} from './session-options.js';
import { shownTargetUrl } from './shown-target.js';
import { XSTATE_VERSION } from './xstate-version.js';
import { logHead, logHeadLine } from '../runs/log-anchor.js';

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
  const settings = resolveSessionOptions(options);
  const store = sessionStore(options, settings);
  const runId = await store.resolve(options.run);
  const record = await store.readRecord(runId);
  const note = checkedNote(options, settings.reporter);
  // The run lock first: nobody else writes the run while it is verified and resumed. The values
  // given with --param are secret ones (checked below): masked in the recorded command.
  const lock = await store.acquireLock(runId, {
    command: redactJson(
      redactUrl(options.command ?? 'resume'),
      Object.values(options.params ?? {}),
    ) as string,
    breakLock: Boolean(options.breakLock),
  });
  try {
    // The log is the truth: run.json and the checkpoint must agree with it (else exit 4).
    const verified = await verifyRunForResume(store, record);
    const { facts, snapshot: snapshotFile } = verified;
    // What the log says wins over run.json where a crash may have left them one step apart.
    record.procedureHash = facts.procedureHash;
    record.attempts = facts.attempts;
    const { procedure, changedSource } = await loadResumedProcedure(
      settings,
      runId,
      verified,
      options,
    );
    const params = resolveParams(
      procedure,
      resumeParams(procedure, facts.params, options.params ?? {}),
      settings.cwd,
    );
    const context = (snapshotFile?.snapshot as { context?: ProcedureContext } | null)?.context;
    if (facts.status === 'succeeded')
      return await alreadyFinished(store, record, verified, context, settings.reporter);
    const { events, stepDecision } = operatorDecision(
      options,
      runId,
      procedure,
      snapshotFile,
      (l) => settings.reporter.line(l),
    );
    requireUrlAgain(record, options.databaseUrl, settings.env);
    let leftovers: LeftoverSession[] = [];
    const request = {
      runId,
      procedure,
      params: params as Record<string, JsonValue>,
      invocation: options,
      storeDatabase: store.database,
      connected: async (server: { url: string }, connections: Connections) => {
        refuseOtherTarget(record, server.url);
        leftovers = await endLeftoverSessions(connections, runId, settings.reporter);
      },
    };
    return await withRunSession(settings, request, (session) =>
      continueRun(session, store, record, verified, {
        lock,
        leftovers,
        by: operatorIdentity(settings.env),
        procedure,
        ...(changedSource !== undefined ? { changedProcedureSource: changedSource } : {}),
        ...(note !== undefined ? { note } : {}),
        flags: options,
        failed: Object.keys(context?.failures ?? {}),
        previousStatus: facts.status,
        restoredValue: (snapshotFile?.snapshot as { value?: JsonValue } | null)?.value ?? null,
        events,
        ...(stepDecision ? { stepDecision } : {}),
      }),
    );
  } finally {
    await lock.release();
  }
}

/**
 * Logs the resumption and drives the run to rest from its checkpoint, continuing where the log
 * left off (attempt numbers, the last state value, outcomes logged just before a crash).
 */
async function continueRun(
  session: RunSession,
  store: RunStore,
  record: RunRecord,
  verified: VerifiedRun,
  resumption: Resumption & { stepDecision?: ReturnType<typeof operatorDecision>['stepDecision'] },
): Promise<RunResult> {
  const { settings, connections } = session;
  const snapshotFile = verified.snapshot;
  const context = (snapshotFile?.snapshot as { context?: ProcedureContext } | null)?.context;
  const position = resumePosition(verified.entries, context?.running ?? []);
  const journal = await store.openEventLog(record.id);
  try {
    await recordResumption(store, record, journal, settings.reporter, resumption);
    settings.reporter.line(
      `runbook ▸ resuming ${record.id} (attempt ${record.attempts}) on ${shownTargetUrl(connections.redactedUrl, record.params)}`,
    );
    return await driveToRest(
      { ...session, store, record, journal },
      {
        allowChanged: Boolean(resumption.flags.allowChanged),
        ...position,
        ...(resumption.stepDecision ? { decision: resumption.stepDecision } : {}),
        ...(snapshotFile ? { restored: snapshotFile } : {}),
        operatorEvents: [...resumption.events],
      },
    );
  } finally {
    await journal.close();
  }
}

/**
 * The operator's note, checked and with its passwords masked (it is free text an operator may
 * paste a connection string into), so that it can be recorded and printed. Also refuses
 * `--retry` with `--skip`.
 */
function checkedNote(options: ResumeRunOptions, reporter: Reporter): string | undefined {
  if (options.retry && options.skip) {
    throw new InvalidInputError([
      { message: 'give either --retry or --skip <step>, not both', path: '--skip' },
    ]);
  }
  if (options.note === undefined) return undefined;
  if (options.note.trim() === '') {
    throw new InvalidInputError([{ message: 'the note is empty', path: '--note' }]);
  }
  const note = redactUrl(options.note);
  // The log refuses a password: one the masking cannot find is refused here, before anything runs.
  if (containsSecret(JSON.stringify(note))) {
    throw new InvalidInputError([
      {
        message: 'the note holds a password that cannot be masked; it is never recorded',
        path: '--note',
        hint: 'leave the password out of the note',
      },
    ]);
  }
  if (note !== options.note) {
    reporter.line('note: a password in the note was masked (***) before it was recorded');
  }
  return note;
}

/**
 * The run's procedure, loaded again from its file: refused when the file changed since the run
 * started (unless `allowProcedureChange`; then also when the new text holds a password, and
 * `changedSource` is that text, the one to keep) or when the checkpoint was written by another
 * major version of xstate.
 */
async function loadResumedProcedure(
  settings: SessionSettings,
  runId: string,
  verified: VerifiedRun,
  options: Pick<ResumeRunOptions, 'allowProcedureChange'>,
): Promise<{ procedure: Procedure; changedSource?: string }> {
  const { facts, snapshot: snapshotFile } = verified;
  const procedureFile = path.resolve(settings.cwd, facts.procedureFile);
  const procedure = await loadProcedure(procedureFile, { actions: settings.actions });
  if (procedure.source.hash !== facts.procedureHash && !options.allowProcedureChange) {
    throw new InvalidInputError([
      {
        message: `procedure file changed since run ${runId} started (hash ${facts.procedureHash.slice(0, 12)} → ${procedure.source.hash.slice(0, 12)})`,
        path: facts.procedureFile,
        hint: 'restore the file, or pass --allow-procedure-change to resume with the new one',
      },
    ]);
  }
  let changedSource: string | undefined;
  if (procedure.source.hash !== facts.procedureHash) {
    // The changed file is kept with the run (procedure-<hash>.yaml): it may hold no password.
    changedSource = await readProcedureSource(procedure);
    const problems = passwordLiteralProblems(procedure, changedSource);
    if (problems.length > 0) throw new InvalidInputError(problems);
  }
  if (snapshotFile && snapshotFile.xstateVersion.split('.')[0] !== XSTATE_VERSION.split('.')[0]) {
    throw new InvalidInputError([
      {
        message: `snapshot written by xstate ${snapshotFile.xstateVersion}; this is xstate ${XSTATE_VERSION}`,
      },
    ]);
  }
  return { procedure, ...(changedSource !== undefined ? { changedSource } : {}) };
}

/**
 * The result of resuming a run whose log says it already finished: nothing to resume. run.json is
 * brought in line with the log (the process may have died between its final line and run.json).
 */
async function alreadyFinished(
  store: RunStore,
  record: RunRecord,
  verified: VerifiedRun,
  context: ProcedureContext | undefined,
  reporter: Reporter,
): Promise<RunResult> {
  const runId = record.id;
  const incomplete = (verified.facts.lastRunEvent.data as JsonObject).status === 'incomplete';
  const status = incomplete ? 'incomplete' : 'succeeded';
  if (record.status !== status) {
    record.status = status;
    await store.writeRecord(record);
  }
  reporter.line(
    incomplete
      ? `run ${runId} finished with checklist items not PASS; nothing to resume (start a new run)`
      : `run ${runId} already succeeded; nothing to resume`,
  );
  const log = logHead(verified.entries);
  reporter.line(logHeadLine(log));
  return {
    runId,
    status,
    exitCode: incomplete ? 1 : 0,
    failures: [],
    outputs: context?.outputs ?? {},
    checklist: [],
    runDir: store.location(runId),
    log,
  };
}

import { InvalidInputError, type StepFailureRecord } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { loadProcedure } from '../procedure/load-procedure.js';
import { passwordLiteralProblems } from '../procedure/password-literals.js';
import { readProcedureSource } from './read-procedure-source.js';
import { redactParams, resolveParams, validateStepArguments } from '../procedure/resolve-params.js';
import type { Procedure } from '../procedure/types.js';
import { createRunId, isSafeRunId } from '../runs/run-id.js';
import type { RunRecord } from '../runs/run-store.js';
import { driveToRest } from './drive-to-rest.js';
import type { RunResult } from './finish-run.js';
import { firstLogLine } from '../runs/event-log.js';
import type { EventLogWriter, RunStore } from '../runs/run-store.js';
import type { Reporter } from './reporter.js';
import { resumeCommand } from './resume-command.js';
import { preflightSteps } from './preflight-steps.js';
import type { AuthorityFlags } from './authorize-procedure.js';
import { withRunSession, type RunSession } from './open-run-session.js';
import { operatorIdentity } from './operator-identity.js';
import { recordedCommand } from './recorded-command.js';
import { resolveSessionOptions, sessionStore, type SessionOptions } from './session-options.js';
import { XSTATE_VERSION } from './xstate-version.js';
import { shownTargetUrl } from './shown-target.js';
import { logHeadLine, writtenHead } from '../runs/log-anchor.js';

/**
 * Records a run whose server could not be reached before its first step: failed at that step
 * with CONNECTION_FAILED, no checkpoint (a resume starts the machine from the beginning).
 */
async function stopUnreachable(
  store: RunStore,
  record: RunRecord,
  journal: EventLogWriter,
  failure: StepFailureRecord,
  reporter: Reporter,
): Promise<RunResult> {
  record.status = 'failed';
  record.failure = failure;
  record.currentStep = failure.step;
  record.updatedAt = new Date().toISOString();
  await journal.append('run.stopped', failure.step, {
    status: 'failed',
    failures: [{ step: failure.step, code: failure.code, message: failure.message }],
    before_first_step: true,
  });
  await store.writeRecord(record);
  reporter.line(
    `${reporter.color('fail', 'stopped')} before ${failure.step}: ${failure.code} ${failure.message}`,
  );
  reporter.line(`  resume once the server is reachable:  ${resumeCommand(record)}`);
  const log = writtenHead(journal);
  reporter.line(logHeadLine(log));
  return {
    runId: record.id,
    status: 'failed',
    exitCode: 1,
    failures: [failure],
    outputs: {},
    checklist: [],
    runDir: store.location(record.id),
    log,
  };
}

/** Options of {@link runProcedure}. */
export interface RunProcedureOptions extends SessionOptions {
  /** A loaded procedure, or the path of its YAML file. */
  procedure: Procedure | string;
  /** Raw `--param k=v` values (parsed as YAML against the declared types). */
  params?: Record<string, string>;
  /** Authority flags overriding DB_AUTHORITY / DB_ROLE / DB_ENV / CONFIRM_PROD_MIGRATIONS. */
  authority?: AuthorityFlags;
  /** The command line recorded in the lock file and the log. */
  command?: string;
  /**
   * The new run's id, chosen in advance (a fleet names each target's run before it starts, so
   * whoever drives the target later finds it); default a fresh `createRunId`. Must be a safe run
   * id no run of the store has.
   */
  runId?: string;
}

/**
 * Runs a procedure from the start. Nothing touches a database before the procedure, its params
 * and every step's arguments are valid (else {@link InvalidInputError}, exit 2) and the authority
 * contract allows it (else {@link RefusalError}, exit 3). Then a run directory is created, the run
 * is driven to rest, and the result says whether it succeeded or where it stopped.
 */
export async function runProcedure(options: RunProcedureOptions): Promise<RunResult> {
  const settings = resolveSessionOptions(options);
  const procedure =
    typeof options.procedure === 'string'
      ? await loadProcedure(options.procedure, { actions: settings.actions })
      : options.procedure;
  const params = resolveParams(procedure, options.params ?? {}, settings.cwd);
  // The source the run keeps: read once, the very bytes that were validated, holding no password.
  const source = await readProcedureSource(procedure);
  const problems = validateStepArguments(procedure, params, settings.actions, {
    env: settings.env,
  });
  problems.unshift(...passwordLiteralProblems(procedure, source));
  // Before anything starts: a runs dir that cannot take the run is bad input (exit 2).
  const store = sessionStore(options, settings);
  // Known before the checks, so that arguments naming the run (`rb_path_a_${{ run.id }}`) resolve.
  if (options.runId !== undefined && !isSafeRunId(options.runId)) {
    throw new InvalidInputError([{ message: `'${options.runId}' cannot be a run id` }]);
  }
  const runId = options.runId ?? createRunId(procedure.name);
  const run = { id: runId, dir: store.location(runId) };
  problems.push(
    ...(await preflightSteps(procedure, params, settings.actions, settings.cwd, settings.env, run)),
  );
  if (problems.length > 0) throw new InvalidInputError(problems);

  // An unreachable server still gets a run (exit 1, resumable once the server is back); every
  // other problem here (a lock held by another run) refuses with nothing written.
  const request = {
    runId,
    procedure,
    params: params as Record<string, JsonValue>,
    invocation: options,
    tolerateUnreachable: true,
    storeDatabase: store.database,
  };
  return withRunSession(settings, request, (session) =>
    startRun(session, store, { runId, source }, options.command ?? 'run'),
  );
}

/**
 * Creates the run directory of a connected session (run.json, the log's run.started line, the
 * procedure's source), takes the run's lock and drives the run to rest.
 */
async function startRun(
  session: RunSession,
  store: RunStore,
  { runId, source }: { runId: string; source: string },
  command: string,
): Promise<RunResult> {
  const { settings, procedure, params, connections, server, grant } = session;
  const now = new Date().toISOString();
  const record: RunRecord = {
    format: 1,
    id: runId,
    procedure: procedure.name,
    procedureFile: procedure.source.file,
    procedureHash: procedure.source.hash,
    params: redactParams(procedure, params) as JsonObject,
    target: connections.target,
    server: server.embedded ? 'embedded' : 'url',
    status: 'running',
    startedAt: now,
    updatedAt: now,
    attempts: 1,
    xstateVersion: XSTATE_VERSION,
  };
  // The run directory appears with its run.started line and the exact procedure source already
  // in it (replay needs nothing else), so a process killed at any instant leaves a run that a
  // resume continues and a replay verifies.
  const started = firstLogLine('run.started', {
    procedure: procedure.name,
    procedure_file: procedure.source.file,
    procedure_hash: procedure.source.hash,
    params: record.params,
    target: connections.redactedUrl,
    authority: grant.authority,
    role: grant.role,
    by: operatorIdentity(settings.env),
    xstate: XSTATE_VERSION,
  });
  await store.create(record, {
    eventLog: started,
    procedure: source,
  });
  const lock = await store.acquireLock(runId, {
    command: recordedCommand(command, procedure, params),
  });
  const journal = await store.openEventLog(runId);
  try {
    settings.reporter.line(
      `runbook ▸ ${procedure.name}  run ${runId}  on ${shownTargetUrl(connections.redactedUrl, record.params)}${server.embedded ? ' (embedded)' : ''}`,
    );
    if (session.unreachable)
      return await stopUnreachable(store, record, journal, session.unreachable, settings.reporter);
    return await driveToRest(
      { ...session, store, record, journal },
      { allowChanged: false, attempts: {} },
    );
  } finally {
    await journal.close();
    await lock.release();
  }
}

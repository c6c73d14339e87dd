import { logHead, type LogHead } from '../runs/log-anchor.js';
import { parseRunRecord } from '../runs/run-record.js';
import { readRunLog } from '../runs/verify-event-log.js';
import { InvalidInputError, RefusalError } from '../errors.js';
import type { RunResult } from '../engine/finish-run.js';
import { checkRecordAgainstLog, logFacts } from '../engine/run-agreement.js';
import { createReporter, type Reporter } from '../engine/reporter.js';
import { resumeRun } from '../engine/resume-run.js';
import { runProcedure } from '../engine/run-procedure.js';
import type { RunStore } from '../runs/run-store.js';
import {
  authorityFlagsOf,
  fleetGateEnv,
  withoutAuthorityEnv,
  type FleetAuthority,
} from './fleet-authority.js';
import type { FleetRecord, FleetTarget, FleetStore, TargetOutcome } from './fleet-store.js';

/** What one drive of one target needs. */
export interface DriveTargetInput {
  fleets: FleetStore;
  /** The run store the target's run lives in (the fleet's own PostgreSQL store). */
  runs: RunStore;
  fleet: FleetRecord;
  target: FleetTarget;
  /** The server URL to connect with (default the stored one, which has no password). */
  serverUrl?: string;
  /** Progress of the target's run (default: silent; the fleet reports one line per target). */
  reporter?: Reporter;
  cwd?: string;
  /** The driver's environment; its authority variables are dropped (the fleet's stored authority rules). */
  env?: Readonly<Record<string, string | undefined>>;
}

function outcomeOf(result: RunResult): TargetOutcome {
  const failure = result.failures[0];
  const status =
    result.status === 'succeeded'
      ? 'succeeded'
      : result.exitCode === 3
        ? 'refused'
        : result.status === 'incomplete'
          ? 'incomplete'
          : 'failed';
  return {
    status,
    ...(failure ? { failedStep: failure.step, code: failure.code, message: failure.message } : {}),
    log: result.log,
  };
}

/**
 * The head of run `runId`'s log when it has lines that verify (a drive that threw may have
 * written some); undefined otherwise.
 */
async function verifiedHead(runs: RunStore, runId: string): Promise<LogHead | undefined> {
  try {
    const entries = await readRunLog({ store: runs, id: runId });
    return entries.length > 0 ? logHead(entries) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Drives one target of a fleet to rest and records the outcome in the fleet tables. The target's
 * run is found by its id, chosen when the fleet was created: absent, it is started with
 * `runProcedure` (the same procedure and params a lone `runbook run` gets, and the fleet's stored
 * authority as its flags, so the authority contract holds per target; the driver's own DB_ROLE,
 * CONFIRM_PROD_MIGRATIONS… are removed from the run's environment and cannot add authority, and
 * a `confirm` step's variable counts only as the fleet's creating shell had it, never as the
 * driver has it); present and not succeeded, it is resumed from its
 * checkpoint with `resumeRun` (a committed migration is never applied again); succeeded, nothing
 * runs (its log is verified and checked against run.json, for the head recorded with the
 * outcome). A refusal or bad input is recorded as the target's outcome, never thrown, with the
 * head of whatever log the run has; only a failure to record (the store unreachable) throws.
 */
export async function driveTarget(input: DriveTargetInput): Promise<TargetOutcome> {
  const { fleets, runs, fleet, target } = input;
  await fleets.markRunning(fleet.id, target.position);
  const common = {
    store: runs,
    databaseUrl: input.serverUrl ?? target.server,
    reporter: input.reporter ?? createReporter({ silent: true }),
    authority: authorityFlagsOf(fleet.authority as FleetAuthority),
    env: withoutAuthorityEnv(input.env ?? process.env),
    // Nor can a variable of the driver's pass a confirm gate: only those the fleet confirmed.
    gateEnv: fleetGateEnv(fleet.authority as FleetAuthority),
    ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
  };
  const command = `runbook fleet ${fleet.id} target ${target.position} (${target.name})`;
  let outcome: TargetOutcome;
  try {
    const existing = await runs.readStoredText(target.runId, 'record');
    const recorded =
      existing === undefined
        ? undefined
        : parseRunRecord(existing, runs.location(target.runId, 'run.json'), target.runId);
    if (recorded?.status === 'succeeded') {
      // Its driver may have died before recording it: taken from the verified log, which must
      // end as run.json says (a run.json edited to read succeeded is not taken for a success).
      const entries = await readRunLog({ store: runs, id: target.runId });
      checkRecordAgainstLog(recorded, logFacts(entries), entries);
      outcome = { status: 'succeeded', log: logHead(entries) };
    } else {
      const result =
        existing === undefined
          ? await runProcedure({
              ...common,
              procedure: fleet.procedureFile,
              params: target.params,
              runId: target.runId,
              command,
            })
          : await resumeRun({ ...common, run: target.runId, command: `${command} resume` });
      outcome = outcomeOf(result);
    }
  } catch (err) {
    const e = err as Error;
    outcome = {
      status: err instanceof RefusalError ? 'refused' : 'failed',
      code:
        err instanceof RefusalError
          ? 'REFUSED'
          : err instanceof InvalidInputError
            ? 'INVALID_INPUT'
            : e.name || 'ERROR',
      message: e.message,
      log: await verifiedHead(runs, target.runId),
    };
  }
  await fleets.markDone(fleet.id, target.position, outcome);
  return outcome;
}

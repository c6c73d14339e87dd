import type { RunRecord, RunStore } from '../runs/run-store.js';
import { runStorageError } from '../runs/run-storage-error.js';
import { diagnoseWith } from './diagnose.js';
import { driveRun, type DriveInput } from './drive-run.js';
import type { EventLogWriter } from '../runs/run-store.js';
import { finishRun, type RunResult } from './finish-run.js';
import { resumeCommand } from './resume-command.js';
import type { RunSession } from './open-run-session.js';

/** What a run or a resume has set up before the machine is driven: its session, files and log. */
export interface OpenRun extends Pick<
  RunSession,
  'settings' | 'procedure' | 'params' | 'connections' | 'confirmations'
> {
  store: RunStore;
  record: RunRecord;
  journal: EventLogWriter;
}

/** How this drive starts: fresh for a run; restored, with operator decisions, for a resume. */
export type DriveStart = Pick<DriveInput, 'allowChanged' | 'attempts'> &
  Partial<
    Pick<
      DriveInput,
      'decision' | 'restored' | 'operatorEvents' | 'lastLoggedValue' | 'recordedOutcomes'
    >
  >;

/**
 * Drives an open run's machine until it rests, then records how it ended (run and resume alike).
 * A run whose own files cannot be written (a full disk) rejects with a `RunStorageError` naming
 * the run directory and the resume command.
 */
export async function driveToRest(run: OpenRun, start: DriveStart): Promise<RunResult> {
  try {
    return await drive(run, start);
  } catch (err) {
    const dir = run.store.location(run.record.id);
    throw runStorageError(err, dir, resumeCommand(run.record)) ?? err;
  }
}

async function drive(run: OpenRun, start: DriveStart): Promise<RunResult> {
  const { settings, store, record, procedure, params, connections, journal } = run;
  const outcome = await driveRun({
    runId: record.id,
    record,
    procedure,
    params,
    store,
    connections,
    journal,
    reporter: settings.reporter,
    actions: settings.actions,
    cwd: settings.cwd,
    env: settings.env,
    confirmations: run.confirmations,
    ...(settings.gateEnv ? { gateEnv: settings.gateEnv } : {}),
    shared: new Map(),
    diagnose: diagnoseWith(store, record.id),
    ...start,
  });
  return finishRun({ store, record, procedure, journal, outcome, reporter: settings.reporter });
}

import type { JsonObject, JsonValue } from '../json.js';
import type { OperatorEvent } from '../procedure/compile-procedure.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogWriter } from '../runs/run-store.js';
import type { RunLock, RunRecord, RunStore } from '../runs/run-store.js';
import { leftoverSessionsEvent, type LeftoverSession } from './leftover-sessions.js';
import type { Reporter } from './reporter.js';

/** What a resume found and decided before it drives the run again. */
export interface Resumption {
  /** The run's lock as taken: a stale lock recovered, or a live one broken. */
  lock: RunLock;
  /** Sessions of a killed attempt that were ended. */
  leftovers: readonly LeftoverSession[];
  /** Who resumes (`$USER@host`). */
  by: string;
  procedure: Procedure;
  /**
   * The procedure file's new text, when it changed since the run started: kept with the run, the
   * very text that was checked (`readProcedureSource`), not the file read again.
   */
  changedProcedureSource?: string;
  /** The operator's note, passwords masked. */
  note?: string;
  flags: {
    retry?: boolean;
    skip?: string;
    allowChanged?: boolean;
    allowProcedureChange?: boolean;
    breakLock?: boolean;
  };
  /** The steps the checkpoint holds as failed. */
  failed: readonly string[];
  /** The run's status as its log tells it. */
  previousStatus: string;
  /** The checkpoint's state value (null: nothing ran yet). */
  restoredValue: JsonValue;
  /** Events the restored machine gets (RETRY, SKIP). */
  events: readonly OperatorEvent[];
}

/**
 * Logs a resumption before the run is driven again: a recovered or broken lock, the leftover
 * sessions ended, a changed procedure (its new source kept as an artifact), the `run.resumed`
 * line with the operator's decision and note, and each step marked done by hand. Then run.json
 * says running, with one more attempt.
 */
export async function recordResumption(
  store: RunStore,
  record: RunRecord,
  journal: EventLogWriter,
  reporter: Reporter,
  resumption: Resumption,
): Promise<void> {
  const { lock, by, procedure, flags, note } = resumption;
  if (lock.recoveredStale) {
    await journal.append('lock.recovered', null, lock.recoveredStale as unknown as JsonObject);
    reporter.line(`recovered a stale lock left by pid ${lock.recoveredStale.pid ?? '?'}`);
  }
  if (resumption.leftovers.length > 0) {
    await journal.append('sessions.terminated', null, leftoverSessionsEvent(resumption.leftovers));
  }
  if (lock.broken) {
    const held = lock.broken;
    await journal.append('lock.broken', null, {
      by,
      holder: held as unknown as JsonObject,
      reason: 'resume --break-lock',
    });
    reporter.line(
      `broke the lock held by pid ${held.pid} on ${held.host} since ${held.since} (${held.command})`,
    );
  }
  if (resumption.changedProcedureSource !== undefined) {
    await journal.append('procedure.changed', null, {
      old_hash: record.procedureHash,
      new_hash: procedure.source.hash,
      by,
    });
    await store.saveProcedureSource(
      record.id,
      resumption.changedProcedureSource,
      procedure.source.hash,
    );
    record.procedureHash = procedure.source.hash;
  }
  await journal.append('run.resumed', null, {
    by,
    attempt: record.attempts + 1,
    retry: Boolean(flags.retry) || (!flags.skip && resumption.failed.length > 0),
    skip: flags.skip ?? null,
    allow_changed: Boolean(flags.allowChanged),
    allow_procedure_change: Boolean(flags.allowProcedureChange),
    restored_value: resumption.restoredValue,
    failed_steps: [...resumption.failed],
    previous_status: resumption.previousStatus,
    note: note ?? null,
    break_lock: Boolean(flags.breakLock),
  });
  if (note) reporter.line(`note: ${note}`);
  for (const event of resumption.events) {
    if (event.type === 'SKIP')
      await journal.append('step.skipped', event.step, { by, reason: 'resume --skip' });
  }
  record.attempts += 1;
  record.status = 'running';
  record.updatedAt = new Date().toISOString();
  await store.writeRecord(record);
}

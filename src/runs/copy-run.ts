import { RefusalError, TamperedLogError } from '../errors.js';
import type { RunStore } from './run-store.js';
import { verifyEventLogText } from './verify-event-log.js';

/** What {@link copyRun} copied. */
export interface CopiedRun {
  id: string;
  /** Lines of the event log, copied byte for byte. */
  lines: number;
  /** Names of the artifacts copied (the saved procedure sources among them). */
  artifacts: string[];
  /** Whether the run had a checkpoint to copy. */
  snapshot: boolean;
}

/**
 * Copies run `id` from one store into another (`runbook export` / `import`, docs/design.md
 * "Run stores"): the record, the event log verbatim (same bytes, so it verifies the same), every
 * artifact and the checkpoint. Refuses, writing nothing into `to`, a run whose log does not verify
 * (`TamperedLogError`, exit 4), a run a live process is driving (`RUN_LOCKED`, exit 3: its files
 * are still moving), and a run `to` already has. The run appears in `to` with its record, log and
 * artifacts at once; its checkpoint follows.
 */
export async function copyRun(from: RunStore, id: string, to: RunStore): Promise<CopiedRun> {
  const holder = await from.lockHolder(id);
  if (holder) {
    throw new RefusalError(
      'RUN_LOCKED',
      `run ${id} is being driven by pid ${holder.pid} on ${holder.host} (${holder.command}); copy it once it stops`,
      { runId: id, ...holder },
    );
  }
  const record = await from.readRecord(id);
  const log = (await from.readEventLog(id)) ?? '';
  const verified = verifyEventLogText(log);
  if (!verified.ok) throw new TamperedLogError(verified.line, verified.reason);
  const names = await from.listArtifacts(id);
  const artifacts: Record<string, string> = {};
  for (const name of names) artifacts[name] = await from.readArtifact(id, name);
  const snapshot = await from.readSnapshot(id);
  await to.create(record, { ...(log === '' ? {} : { eventLog: log }), artifacts });
  if (snapshot) await to.writeSnapshot(id, snapshot);
  return { id, lines: verified.entries.length, artifacts: names, snapshot: snapshot !== undefined };
}

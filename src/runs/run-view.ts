import type { ActionContext, OtherRuns } from '../step-context.js';
import type { RunStore } from './run-store.js';
import { readOwnRunLog } from './verify-event-log.js';

/** What of a run an action reads (see {@link ActionContext}), all through the store. */
export type RunView = Pick<ActionContext, 'readArtifact' | 'readLog' | 'otherRuns'>;

async function orUndefined<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined; // an unreadable earlier run is no evidence either way
  }
}

/**
 * The runs of `store` as evidence for a migration step or `runbook status` (earlier checksums,
 * interrupted migrations), leaving out run `exclude`; anything unreadable reads as undefined.
 */
export function otherRunsIn(store: RunStore, exclude?: string): OtherRuns {
  return {
    ids: async () => (await store.ids()).filter((other) => other !== exclude),
    readArtifact: (runId, name) => orUndefined(() => store.findArtifact(runId, name)),
    readProgress: (runId) => orUndefined(async () => (await store.readSnapshot(runId))?.progress),
    readStatus: (runId) => orUndefined(async () => (await store.readRecord(runId)).status),
  };
}

/** The read side of an {@link ActionContext} for run `id` of `store`. */
export function runView(store: RunStore, id: string): RunView {
  return {
    readArtifact: (name) => store.findArtifact(id, name),
    readLog: (options) => readOwnRunLog({ store, id }, options),
    otherRuns: otherRunsIn(store, id),
  };
}

import type { ActionContext } from '../step-context.js';
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

/** The read side of an {@link ActionContext} for run `id` of `store`. */
export function runView(store: RunStore, id: string): RunView {
  return {
    readArtifact: (name) => store.findArtifact(id, name),
    readLog: (options) => readOwnRunLog({ store, id }, options),
    otherRuns: {
      ids: async () => (await store.list()).map((r) => r.id).filter((other) => other !== id),
      readArtifact: (runId, name) => orUndefined(() => store.findArtifact(runId, name)),
      readProgress: (runId) =>
        orUndefined(async () => (await store.readSnapshot(runId))?.progress),
    },
  };
}

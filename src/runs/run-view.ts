import type { JsonValue } from '../json.js';
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
 * The step progress of a checkpoint's text, read as evidence: its `progress` object when the text
 * is JSON holding one, else undefined. Not validated as a whole (what reads it checks the parts it
 * uses): the checkpoint schema's first use costs milliseconds, and a run reads one other run's.
 */
function progressOf(text: string | undefined): { [stepId: string]: JsonValue } | undefined {
  if (text === undefined) return undefined;
  const progress = (JSON.parse(text) as { progress?: unknown } | null)?.progress;
  return progress && typeof progress === 'object' && !Array.isArray(progress)
    ? (progress as { [stepId: string]: JsonValue })
    : undefined;
}

/**
 * The runs of `store` as evidence for a migration step or `runbook status` (earlier checksums,
 * interrupted migrations), leaving out run `exclude`; anything unreadable reads as undefined.
 */
export function otherRunsIn(store: RunStore, exclude?: string): OtherRuns {
  return {
    ids: async () => (await store.ids()).filter((other) => other !== exclude),
    readArtifact: (runId, name) => orUndefined(() => store.findArtifact(runId, name)),
    readProgress: (runId) => orUndefined(async () => progressOf(await store.readStoredText(runId, 'snapshot'))),
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

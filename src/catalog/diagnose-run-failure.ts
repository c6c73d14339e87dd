import type { StepFailureRecord } from '../errors.js';
import { diagnoseFailure } from './diagnose-failure.js';
import { ancestorsOf, loadHistory, type HistoryEntry } from './migration-history.js';
import { PROVENANCE_ARTIFACT, type Provenance } from '../migrations/provenance.js';

/** How the engine lets the diagnosis read the run's artifacts (throws when one is missing). */
export interface RunArtifacts {
  readArtifact(name: string): Promise<string>;
}

const DIAGNOSED = new Set(['42P01', '42703', '42704']);

/**
 * The engine's entry point: diagnoses a failed step of a run from the run's provenance artifact
 * and the migration source it names (`inspect` and the failed step's log record show the result).
 * Applied revisions are the failing migration's ancestors plus those this run applied. Returns
 * undefined when nothing can be said; never throws for a missing artifact or source.
 */
export async function diagnoseRunFailure(
  failure: StepFailureRecord,
  run: RunArtifacts,
): Promise<string | undefined> {
  if (
    !DIAGNOSED.has(failure.code) &&
    !failure.message.includes('unrecognized configuration parameter')
  )
    return undefined;
  let provenance: Provenance | undefined;
  try {
    provenance = JSON.parse(await run.readArtifact(PROVENANCE_ARTIFACT)) as Provenance;
  } catch {
    provenance = undefined;
  }
  let history: HistoryEntry[] = [];
  if (provenance?.source) {
    try {
      history = await loadHistory(provenance.source, provenance.layout);
    } catch {
      history = [];
    }
  }
  // Without a migration history there is nothing to say about where a relation or column should
  // have come from (a plain SQL step on a missing table is not an ORM-bootstrapped table).
  if (history.length === 0 && (failure.code === '42P01' || failure.code === '42703'))
    return undefined;
  const applied = new Set(provenance?.migrations.map((m) => m.revision) ?? []);
  if (failure.migration) {
    applied.delete(failure.migration);
    for (const a of ancestorsOf(history, failure.migration)) applied.add(a);
  }
  return diagnoseFailure(
    {
      code: failure.code,
      message: failure.message,
      ...(failure.migration ? { migration: failure.migration } : {}),
    },
    { ...(provenance ? { provenance } : {}), migrations: history, applied: [...applied] },
  );
}

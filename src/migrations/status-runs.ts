import type { OtherRuns } from '../step-context.js';
import { runIdTime } from '../runs/run-id.js';
import type { MigrationCheckpoint } from './migration-checkpoint.js';
import { PROVENANCE_ARTIFACT, type Provenance } from './provenance.js';

/** How many of the most recent runs are read (as for earlier checksums). */
const RECENT_RUNS = 100;

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined; // an unreadable run is no evidence either way
  }
}

/**
 * Migrations that earlier runs were stopped inside: a non-transactional migration marked
 * in-flight in a step's checkpoint (docs/design.md "Migrations") of a run that did not succeed,
 * on the same database from the same folder (its `provenance.json` names both). The caller
 * drops those the version table records as applied. Reads at most the {@link RECENT_RUNS} most
 * recent runs, through the run store; never writes.
 */
export async function interruptedInRuns(
  runs: OtherRuns,
  identity: { database: string; source: string },
): Promise<{ revision: string; runId: string }[]> {
  let ids: string[];
  try {
    ids = (await runs.ids()).filter((id) => runIdTime(id) !== undefined);
  } catch {
    return [];
  }
  const time = (id: string): number => runIdTime(id)?.getTime() ?? 0;
  ids.sort((a, b) => time(a) - time(b) || a.localeCompare(b));
  const out: { revision: string; runId: string }[] = [];
  for (const runId of ids.slice(-RECENT_RUNS)) {
    if ((await runs.readStatus(runId)) === 'succeeded') continue;
    const prov = parseJson(await runs.readArtifact(runId, PROVENANCE_ARTIFACT)) as
      Partial<Provenance> | undefined;
    if (prov?.database !== identity.database || prov.source !== identity.source) continue;
    const progress = (await runs.readProgress(runId)) as
      Record<string, Partial<MigrationCheckpoint> | null> | undefined;
    for (const cp of Object.values(progress ?? {})) {
      const revision = cp?.inflight?.revision;
      if (typeof revision === 'string') out.push({ revision, runId });
    }
  }
  return out;
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runIdTime } from '../runs/run-id.js';
import type { MigrationCheckpoint } from './migration-checkpoint.js';
import { PROVENANCE_ARTIFACT, type Provenance } from './provenance.js';

/** How many of the most recent runs are read (as for earlier checksums). */
const RECENT_RUNS = 100;

function readJson(file: string): unknown {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
  } catch {
    return undefined; // an unreadable run is no evidence either way
  }
}

/**
 * Migrations that runs in `runsDir` were stopped inside: a non-transactional migration marked
 * in-flight in a step's checkpoint (docs/design.md "Migrations") of a run that did not succeed,
 * on the same database from the same folder (its `provenance.json` names both). The caller
 * drops those the version table records as applied. Reads at most the {@link RECENT_RUNS} most
 * recent runs; never writes.
 */
export function interruptedInRuns(
  runsDir: string,
  identity: { database: string; source: string },
): { revision: string; runId: string }[] {
  let ids: string[];
  try {
    ids = readdirSync(runsDir).filter((id) => runIdTime(id) !== undefined);
  } catch {
    return [];
  }
  const time = (id: string): number => runIdTime(id)?.getTime() ?? 0;
  ids.sort((a, b) => time(a) - time(b) || a.localeCompare(b));
  const out: { revision: string; runId: string }[] = [];
  for (const runId of ids.slice(-RECENT_RUNS)) {
    const dir = path.join(runsDir, runId);
    const run = readJson(path.join(dir, 'run.json')) as { status?: string } | undefined;
    if (run?.status === 'succeeded') continue;
    const prov = readJson(path.join(dir, 'artifacts', PROVENANCE_ARTIFACT)) as
      Partial<Provenance> | undefined;
    if (prov?.database !== identity.database || prov.source !== identity.source) continue;
    const snapshot = readJson(path.join(dir, 'snapshot.json')) as
      { progress?: Record<string, Partial<MigrationCheckpoint> | null> } | undefined;
    for (const cp of Object.values(snapshot?.progress ?? {})) {
      const revision = cp?.inflight?.revision;
      if (typeof revision === 'string') out.push({ revision, runId });
    }
  }
  return out;
}

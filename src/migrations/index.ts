/**
 * The migration engine's public surface: open a history ({@link loadMigrationSource}), list it,
 * read a migration's SQL, build its {@link RevisionGraph} (heads, ancestors), plan and run.
 */
export type {
  GraphView,
  Migration,
  MigrationLayout,
  MigrationSource,
  Queryable,
  VersionTableAdapter,
} from './types.js';
export { MIGRATION_LAYOUTS } from './types.js';
export { loadMigrationSource, sourceFor } from './load-source.js';
export { RevisionGraph } from './revision-graph.js';
export { appliedSet, planTargets, planUpgrade, resolveTarget, upgradeOrder } from './plan.js';
export { runMigrations, type UpgradeOutcome, type UpgradeRequest } from './run-migrations.js';
export { displayName } from './apply-migration.js';
export { stampRevision, type StampOutcome } from './stamp.js';
export { splitScript, lineAt, type ParsedScript, type ScriptStatement } from './sql-script.js';
export { PROVENANCE_ARTIFACT, type MigrationProvenance, type Provenance } from './provenance.js';
export type { Rel } from './relation-snapshot.js';
export { findPython } from './bridge-python.js';
export { summarizeVersions } from './version-summary.js';

import { loadMigrationSource } from './load-source.js';
import { RevisionGraph } from './revision-graph.js';
import type { MigrationLayout } from './types.js';

/** Convenience: the heads of the history at `dir` (loads and validates it). */
export async function migrationHeads(dir: string, layout?: MigrationLayout): Promise<string[]> {
  const source = await loadMigrationSource(dir, layout);
  return new RevisionGraph(await source.list()).heads();
}

/**
 * The migration engine's public surface: open a history ({@link loadMigrationSource}), list it,
 * read a migration's SQL, build its {@link RevisionGraph} (heads, ancestors), plan and run.
 */
export type {
  GraphView,
  LayoutDefinition,
  Migration,
  MigrationLayout,
  MigrationSource,
  Queryable,
  VersionTableAdapter,
} from './types.js';
export { MIGRATION_LAYOUTS } from './types.js';
export { loadMigrationSource } from './load-source.js';
export { LAYOUTS, layoutNamed, sourceFor } from './layouts/index.js';
export { AlembicVersionTable } from './layouts/alembic/alembic-version-table.js';
export { RevisionGraph } from './revision-graph.js';
export {
  appliedSet,
  atHeads,
  planTargets,
  planUpgrade,
  resolveTarget,
  upgradeOrder,
} from './plan.js';
export { upgradeDatabase, type UpgradeOutcome, type UpgradeRequest } from './upgrade-database.js';
export { displayName } from './apply-one-migration.js';
export { stampRevision, type StampOutcome } from './stamp.js';
export { PROVENANCE_ARTIFACT, type MigrationProvenance, type Provenance } from './provenance.js';
export type { Rel } from './relation-snapshot.js';
export { findPython } from './layouts/alembic/bridge-python.js';
export { summarizeVersions } from './version-summary.js';

import path from 'node:path';
import { Connections } from '../postgres/connections.js';
import type { OtherRuns } from '../step-context.js';
import { earlierChecksums } from './earlier-checksums.js';
import { loadMigrationSource } from './load-source.js';
import { appliedSet, planUpgrade } from './plan.js';
import { RevisionGraph } from './revision-graph.js';
import { interruptedInRuns } from './status-runs.js';
import type { Migration, MigrationLayout, MigrationSource, Queryable } from './types.js';

/** One migration as `runbook status` lists it. */
export interface StatusMigration {
  revision: string;
  /** Its file, relative to the migration folder. */
  file: string;
  message?: string;
}

/** An applied migration whose file differs from the checksum recorded when it was applied. */
export interface ChangedMigration extends StatusMigration {
  recordedChecksum: string;
  fileChecksum: string;
  /** Where the recorded checksum comes from: the tool's table, or the run that applied it. */
  recordedBy: { table: string } | { run: string };
}

/** A migration neither applied nor pending: started and not known to have finished. */
export interface InDoubtMigration extends StatusMigration {
  /** `dirty-row`: the tool's table says so (golang-migrate `dirty`, a failed Prisma row); `interrupted-run`: a runbook run was stopped inside it. */
  reason: 'dirty-row' | 'interrupted-run';
  /** The run that was interrupted, for `interrupted-run`. */
  run?: string;
}

/**
 * Where the checksums that `changed` compares with come from: `version-table` (Prisma's
 * `_prisma_migrations.checksum`), `earlier-runs` (what runbook runs in the runs folder recorded
 * when they applied the migrations to this database from this folder), or `none` (no record:
 * changes to applied files cannot be seen).
 */
export type ChecksumBasis = 'version-table' | 'earlier-runs' | 'none';

/** What `runbook status` reports: the migration folder against one database, read-only. */
export interface MigrationStatus {
  layout: MigrationLayout;
  /** Absolute migration folder. */
  source: string;
  database: string;
  databaseExists: boolean;
  versionTable: { name: string; exists: boolean };
  /** The version table's rows, as the tool records them. */
  rows: string[];
  heads: string[];
  applied: StatusMigration[];
  /** In the order an upgrade to every head would apply them. */
  pending: StatusMigration[];
  changed: ChangedMigration[];
  checksumBasis: ChecksumBasis;
  /** How many applied migrations have a recorded checksum to be judged by. */
  checksumsRecorded: number;
  /** Rows of the version table naming no migration of this folder. */
  unknown: string[];
  inDoubt: InDoubtMigration[];
  /** Nothing pending, changed, unknown or in doubt, and the database exists. */
  upToDate: boolean;
}

/** Options of {@link migrationStatus}. */
export interface MigrationStatusOptions {
  /** The migration folder (for `alembic`, the folder of alembic.ini or the ini itself). */
  migrations: string;
  layout?: MigrationLayout;
  /** The server URL; its database is read unless `database` names another on the same server. */
  databaseUrl: string;
  database?: string;
  /** Earlier runs whose recorded checksums and interruptions are consulted (a run store's). */
  runs?: OtherRuns;
}

const shown = (source: MigrationSource, m: Migration): StatusMigration => ({
  revision: m.revision,
  file: path.relative(source.dir, m.file) || path.basename(m.file),
  ...(m.message ? { message: m.message } : {}),
});

/** What the database says, read in one READ ONLY transaction (`rows` null: no version table). */
interface DatabaseRecord {
  exists: boolean;
  rows: string[] | null;
  dirty: string | null;
  tableChecksums: Map<string, string>;
}

async function readRecord(source: MigrationSource, client: Queryable): Promise<DatabaseRecord> {
  await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const table = source.versionTable;
    const rows = await table.read(client);
    const dirty = rows === null ? null : ((await table.dirty?.(client)) ?? null);
    const tableChecksums =
      rows === null ? new Map<string, string>() : ((await table.checksums?.(client)) ?? new Map());
    return { exists: true, rows, dirty, tableChecksums };
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * `runbook status`: the migrations of a folder against one database — applied, pending (in
 * upgrade order), applied files changed since they were applied, version-table rows naming no
 * migration of the folder, and migrations in doubt (golang-migrate's `dirty`, a failed Prisma row,
 * a runbook run interrupted inside a non-transactional migration). Read-only: one session, one
 * READ ONLY transaction, rolled back; nothing is created (a missing database or version table is
 * reported, not made). Changed files are judged by the layout's own checksums where its table keeps
 * them (Prisma), else by the checksums earlier runs in `runsDir` recorded (see `checksumBasis`).
 * Throws `StepError` for an unreadable folder (`MIGRATION_LAYOUT`, `INVALID_MIGRATIONS`) and a
 * table that is not the layout's (`VERSION_TABLE_FOREIGN`).
 */
export async function migrationStatus(options: MigrationStatusOptions): Promise<MigrationStatus> {
  const source = await loadMigrationSource(options.migrations, options.layout);
  const graph = new RevisionGraph(await source.list());
  const connections = new Connections(options.databaseUrl, {
    applicationName: 'runbook:status',
    max: 1,
  });
  const database = options.database ?? connections.maintenanceDatabase;
  let record: DatabaseRecord;
  try {
    record = await connections.withClient(database, (c) => readRecord(source, c));
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
    record = { exists: false, rows: null, dirty: null, tableChecksums: new Map() };
  } finally {
    await connections.end();
  }
  const rows = record.rows ?? [];
  const unknown = rows.filter((r) => !graph.has(r));
  const applied = appliedSet(
    graph,
    rows.filter((r) => graph.has(r)),
  );
  const inDoubt: InDoubtMigration[] = [];
  if (record.dirty !== null && graph.has(record.dirty)) {
    const m = graph.get(record.dirty);
    // golang-migrate's dirty row is its only row: what precedes the dirty version is applied.
    if (source.layout === 'golang-migrate')
      for (const a of graph.ancestors([m.revision])) applied.add(a);
    inDoubt.push({ ...shown(source, m), reason: 'dirty-row' });
  } else if (record.dirty !== null) unknown.push(record.dirty);
  const identity = { database, source: source.dir };
  if (options.runs) {
    for (const i of await interruptedInRuns(options.runs, identity)) {
      if (!graph.has(i.revision) || applied.has(i.revision)) continue;
      if (inDoubt.some((d) => d.revision === i.revision)) continue;
      inDoubt.push({
        ...shown(source, graph.get(i.revision)),
        reason: 'interrupted-run',
        run: i.runId,
      });
    }
  }
  const doubted = new Set(inDoubt.map((d) => d.revision));
  const pending = planUpgrade(graph, applied, 'heads').filter((m) => !doubted.has(m.revision));
  const { changed, basis, recorded } = await changedFiles(
    source,
    graph,
    applied,
    record,
    options.runs,
    identity,
  );
  return {
    layout: source.layout,
    source: source.dir,
    database,
    databaseExists: record.exists,
    versionTable: { name: source.versionTable.table, exists: record.rows !== null },
    rows,
    heads: graph.heads(),
    applied: graph.migrations.filter((m) => applied.has(m.revision)).map((m) => shown(source, m)),
    pending: pending.map((m) => shown(source, m)),
    changed,
    checksumBasis: basis,
    checksumsRecorded: recorded,
    unknown,
    inDoubt,
    upToDate:
      record.exists &&
      pending.length === 0 &&
      changed.length === 0 &&
      unknown.length === 0 &&
      inDoubt.length === 0,
  };
}

/** Applied migrations whose file's checksum differs from the one recorded, and the basis used. */
async function changedFiles(
  source: MigrationSource,
  graph: RevisionGraph,
  applied: ReadonlySet<string>,
  record: DatabaseRecord,
  runs: OtherRuns | undefined,
  identity: { database: string; source: string },
): Promise<{ changed: ChangedMigration[]; basis: ChecksumBasis; recorded: number }> {
  const recorded = new Map<string, { checksum: string; by: ChangedMigration['recordedBy'] }>();
  let basis: ChecksumBasis = 'none';
  if (source.versionTable.checksums) {
    basis = 'version-table';
    for (const [r, checksum] of record.tableChecksums) {
      recorded.set(r, { checksum, by: { table: source.versionTable.table } });
    }
  } else if (runs) {
    const earlier = await earlierChecksums(runs, identity);
    if (earlier.size > 0) basis = 'earlier-runs';
    for (const [r, e] of earlier) {
      if (e.runId !== undefined) recorded.set(r, { checksum: e.checksum, by: { run: e.runId } });
    }
  }
  const changed: ChangedMigration[] = [];
  let judged = 0;
  for (const m of graph.migrations) {
    const was = recorded.get(m.revision);
    if (!was || !applied.has(m.revision)) continue;
    judged++;
    if (was.checksum === m.checksum) continue;
    changed.push({
      ...shown(source, m),
      recordedChecksum: was.checksum,
      fileChecksum: m.checksum,
      recordedBy: was.by,
    });
  }
  return { changed, basis, recorded: judged };
}

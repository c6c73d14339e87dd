import path from 'node:path';
import {
  AlembicVersionTable,
  atHeads,
  loadMigrationSource,
  RevisionGraph,
  type MigrationLayout,
} from '../migrations/index.js';
import type { Connections } from '../postgres/connections.js';

/** The version table's rows and, when a migration source was given, the source's heads. */
export interface VersionState {
  /** Rows of the version table; null when the table does not exist. */
  rows: string[] | null;
  /** Heads of the migration source (revisions nobody names as a parent); absent without one. */
  heads?: string[];
  /** Whether the rows put the database at those heads (`atHeads`); absent without a source. */
  atHead?: boolean;
  /** The version table's name. */
  table: string;
}

/**
 * Reads the version table of `database` through the migration source's own adapter (Alembic's
 * `alembic_version` when no source is given) and the source's heads.
 */
export async function readVersion(
  db: Connections,
  database: string,
  source?: { dir: string; cwd: string; layout?: string | undefined },
): Promise<VersionState> {
  const src = source
    ? await loadMigrationSource(
        path.resolve(source.cwd, source.dir),
        source.layout as MigrationLayout | undefined,
      )
    : undefined;
  const table = src?.versionTable ?? new AlembicVersionTable();
  const rows = await db.withClient(database, (c) => table.read(c));
  if (!src) return { rows, table: table.table };
  const graph = new RevisionGraph(await src.list());
  return {
    rows,
    heads: graph.heads(),
    atHead: rows !== null && atHeads(graph, rows),
    table: table.table,
  };
}

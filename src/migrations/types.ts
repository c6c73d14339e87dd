import type pg from 'pg';

/** The migration layouts runbook reads (docs/design.md, "Layouts"). */
export type MigrationLayout =
  'alembic-sql' | 'alembic' | 'golang-migrate' | 'diesel' | 'prisma' | 'dbmate';

/** All layouts, in auto-detection order. */
export const MIGRATION_LAYOUTS: readonly MigrationLayout[] = [
  'alembic',
  'alembic-sql',
  'golang-migrate',
  'diesel',
  'prisma',
  'dbmate',
];

/** One migration of a history, as read from its file. Immutable once listed. */
export interface Migration {
  /** Revision id (alembic), version (golang-migrate, diesel) or directory name (prisma). */
  revision: string;
  /** Parent revisions (`down_revision`); empty for a base, several for a merge. */
  parents: string[];
  /** Branch labels declared on this revision. */
  branchLabels: string[];
  /** Revisions this one depends on without descending from them (`depends_on`). */
  dependsOn: string[];
  message?: string;
  /**
   * False for `-- transaction: false` and diesel's `run_in_transaction = false` (run outside a
   * transaction, marked in-flight first).
   */
  transactional: boolean;
  /**
   * Outside a transaction the file is sent as ONE simple-protocol query, as its tool sends it
   * (golang-migrate's postgres `Run`, Prisma's `apply_migration_script`, diesel's
   * `batch_execute`): the server runs several statements as one implicit transaction and refuses
   * in it what cannot run in a transaction block. Unset: statement by statement (alembic-sql).
   */
  oneQuery?: boolean;
  /**
   * The tool never wraps the file in BEGIN (golang-migrate, Prisma): runbook's transaction is its
   * own addition, dropped for a file the server refuses inside a transaction block (SQLSTATE
   * 25001, e.g. a lone CREATE INDEX CONCURRENTLY), which is then sent as the tool sends it.
   */
  unwrapped?: boolean;
  /** Absolute path of the migration file. */
  file: string;
  /** SHA-256 (hex) of the file's bytes. */
  checksum: string;
  /**
   * Set by layouts whose tool records every migration on its own row and applies whatever the
   * table lacks, gaps included (dbmate, diesel, prisma): a row then implies only itself, not its
   * ancestors.
   */
  recordedAlone?: boolean;
  /**
   * Where the upgrade ends in the file's text (dbmate: the `-- migrate:down` line); what follows
   * is not run (blanked, its line breaks kept so that `file:line` still holds). Absent: all of it.
   */
  upEnd?: number;
  /** 1-based header lines, for error messages (`file:line`). */
  lines?: { revision?: number; parents?: number; dependsOn?: number };
}

/** A client the version table is read and written with (a pool client inside a transaction). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The revision graph as a version-table adapter needs it. */
export interface GraphView {
  /** The migration of a revision id (throws for an unknown id). */
  get(revision: string): Migration;
  /** Every ancestor of the given revisions (parents and depends_on, transitively), excluded. */
  ancestors(revisions: Iterable<string>): Set<string>;
  /** Parents plus dependencies not implied by an ancestor (Alembic's normalized down revisions). */
  normalizedParents(revision: string): string[];
  /** Migrations in the graph's declared order. */
  readonly migrations: readonly Migration[];
}

/** One literal SQL statement of a version-table write, with the rows it must affect. */
export interface VersionStatement {
  sql: string;
  /**
   * Rows the statement must affect; a different count means someone else changed the table.
   * Omitted where no other count is possible (a one-row `INSERT … VALUES`).
   */
  rowCount?: number;
}

/** What recording one migration writes, and the version-table rows it leaves. */
export interface VersionWrite {
  statements: VersionStatement[];
  rows: string[];
}

/**
 * A tool's version table: the database's record of what ran, and the truth a plan is computed
 * from. Modelled on Umzug's storage: read what is applied, record one applied migration, stamp.
 */
export interface VersionTableAdapter {
  /** The table's (unquoted) name, e.g. `alembic_version`. */
  readonly table: string;
  /** Creates the table if missing, exactly as the tool itself would. */
  ensure(client: Queryable): Promise<void>;
  /**
   * The recorded revisions: for Alembic one per head, for linear tools every applied migration's
   * revision (golang-migrate: the latest). `null` when the table does not exist.
   */
  read(client: Queryable): Promise<string[] | null>;
  /**
   * The statements that record that `applied` ran, given the table's current `rows` (as
   * {@link read} returns them), and the rows they leave. Pure: the executor sends them inside
   * the migration's transaction, in the same round trip as the migration, and checks each
   * statement's row count before COMMIT (see `recordApplied` for the standalone form).
   */
  recordSql(applied: Migration, graph: GraphView, rows: readonly string[]): VersionWrite;
  /** Replaces the record so that exactly `revisions` (and their ancestors) count as applied. */
  stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void>;
  /** Optional: the revision the tool recorded as started but not finished (golang-migrate). */
  dirty?(client: Queryable): Promise<string | null>;
  /**
   * Optional: the checksum the table itself keeps for each applied revision (Prisma's
   * `_prisma_migrations.checksum`), compared with the files on every run.
   */
  checksums?(client: Queryable): Promise<Map<string, string>>;
  /** Optional: marks a migration as started (golang-migrate's dirty flag, Prisma's unfinished row). */
  begin?(client: Queryable, migration: Migration): Promise<void>;
  /** Optional: records why a migration {@link begin} started failed (Prisma's `logs`). */
  fail?(client: Queryable, migration: Migration, logs: string): Promise<void>;
  /**
   * Optional: settles the migration {@link dirty} names as the tool's own command does, on the
   * operator's decision: `retry` before it runs again, `skip` to record it applied without
   * running it (default for `skip`: {@link recordSql}). Called inside a transaction.
   */
  settle?(
    client: Queryable,
    migration: Migration,
    decision: 'retry' | 'skip',
    graph: GraphView,
  ): Promise<void>;
  /**
   * Optional: the refusal for a database whose table records `migration` as failed (what the
   * tool itself refuses to run over), naming the ways out for run `runId`.
   */
  dirtyRefusal?(migration: Migration, runId: string): Error;
}

/**
 * A migration history on disk in one layout. Modelled on Kysely's Dialect: everything
 * layout-specific sits behind this object; the planner and executor are layout-agnostic.
 */
export interface MigrationSource {
  readonly layout: MigrationLayout;
  /** Absolute directory (for `alembic`, the directory holding alembic.ini). */
  readonly dir: string;
  /** Every migration, in declared order (the graph validates parents, duplicates and cycles). */
  list(): Promise<Migration[]>;
  /** The upgrade SQL of a migration (SQL layouts). The `alembic` layout throws. */
  upgradeSql(migration: Migration): Promise<string>;
  readonly versionTable: VersionTableAdapter;
  /** True when the source runs migrations itself (the Alembic bridge), not as SQL. */
  readonly external: boolean;
}

/**
 * One layout, as its folder under `src/migrations/layouts/` defines it: how its files are
 * recognised in a folder and how a history in it is opened. Everything layout-specific sits
 * behind this and {@link MigrationSource}; detection (`loadMigrationSource`), planning and the
 * upgrade loop know layouts only through them. The registry is `layouts/index.ts`.
 */
export interface LayoutDefinition {
  readonly name: MigrationLayout;
  /**
   * A file whose presence directly in the folder makes it this layout whatever else the folder
   * holds (`alembic.ini`: an Alembic project may keep SQL files around).
   */
  readonly marker?: string;
  /**
   * Whether `file`, a `.sql` file found under `root` (absolute paths), is one of this layout's
   * migrations. Layouts are asked in the registry's order and the first that claims a file gets
   * it; a claim may read the file's head (cached per content, see `readDerivedSync`).
   */
  claims?(file: string, root: string): boolean;
  /** Opens the history at `dir` (for `alembic`, its directory or its alembic.ini). */
  open(dir: string): MigrationSource;
}

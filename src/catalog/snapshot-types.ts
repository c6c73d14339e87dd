/**
 * The JSON-serialisable catalog snapshot. No OIDs anywhere: objects are identified by schema and
 * name, so two databases (or a database and a saved file) compare semantically. Arrays are sorted
 * deterministically so equal catalogs serialise identically.
 */

/** Format version of {@link CatalogSnapshot}; bumped on incompatible change. */
export const CATALOG_FORMAT = 1;

/** A privilege granted to a role (`PUBLIC` for the pseudo-role). */
export interface GrantInfo {
  grantee: string;
  privilege: string;
  grantable: boolean;
}

/** A column of a table, view or materialized view. */
export interface ColumnInfo {
  name: string;
  /** 1-based position among live (non-dropped) columns. */
  position: number;
  /** `format_type` output, e.g. `character varying(30)`. */
  type: string;
  nullable: boolean;
  /** Default expression (`pg_get_expr`), null when none or when the column is generated. */
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** Generation expression of a `GENERATED ALWAYS AS (…) STORED|VIRTUAL` column. */
  generated: string | null;
}

/** An index of a table or materialized view. */
export interface IndexInfo {
  name: string;
  /** `pg_get_indexdef`. */
  definition: string;
  /** The definition without `CREATE [UNIQUE] INDEX <name>`: compares indexes by shape. */
  shape: string;
  unique: boolean;
  primary: boolean;
  /** Partial-index predicate, null when total. */
  predicate: string | null;
}

/** ON DELETE / ON UPDATE action of a foreign key. */
export type FkAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

/** A constraint. Not-null constraints (PG 18) are folded into {@link ColumnInfo.nullable}. */
export interface ConstraintInfo {
  name: string;
  type: 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion' | 'trigger';
  columns: string[];
  /** `pg_get_constraintdef`. */
  definition: string;
  references: { schema: string; table: string; columns: string[] } | null;
  on_delete: FkAction | null;
  on_update: FkAction | null;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
}

/** A user trigger. */
export interface TriggerInfo {
  name: string;
  /** `pg_get_triggerdef`. */
  definition: string;
  /** `O` origin, `D` disabled, `R` replica, `A` always. */
  enabled: string;
}

/** A row-level security policy. */
export interface PolicyInfo {
  name: string;
  permissive: boolean;
  command: string;
  roles: string[];
  using: string | null;
  with_check: string | null;
}

/** A table (ordinary or partitioned). */
export interface TableInfo {
  schema: string;
  name: string;
  partitioned: boolean;
  partition: boolean;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  constraints: ConstraintInfo[];
  triggers: TriggerInfo[];
  policies: PolicyInfo[];
  /** Explicit grants (the owner's implicit privileges are not listed). */
  grants: GrantInfo[];
}

/** A view or materialized view. */
export interface ViewInfo {
  schema: string;
  name: string;
  materialized: boolean;
  owner: string;
  /** `pg_get_viewdef(…, true)`. */
  definition: string;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  triggers: TriggerInfo[];
  grants: GrantInfo[];
}

/** A sequence. Numbers are strings (int8). */
export interface SequenceInfo {
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `schema.table.column` owning it (serial / identity), or null. */
  owned_by: string | null;
}

/** A function, procedure or aggregate. */
export interface FunctionInfo {
  schema: string;
  name: string;
  /** `name(identity arguments)`: what makes it unique. */
  signature: string;
  result: string | null;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  language: string;
  /** md5 of the body, so a changed body shows as a difference without storing it. */
  body_md5: string;
}

/** A role (cluster-wide) with its attributes; built-in `pg_*` roles are omitted. */
export interface RoleInfo {
  name: string;
  superuser: boolean;
  inherit: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  bypassrls: boolean;
  connection_limit: number;
}

/** A schema with its owner and explicit grants. */
export interface SchemaInfo {
  name: string;
  owner: string;
  grants: GrantInfo[];
}

/** A database-level setting (`ALTER DATABASE … SET`), optionally for one role only. */
export interface SettingInfo {
  /** Null for every role. */
  role: string | null;
  name: string;
  value: string;
}

/** An installed extension. */
export interface ExtensionInfo {
  name: string;
  version: string;
  schema: string;
}

/**
 * A user-defined enum or domain: what a column of its type accepts (the column shows only the
 * type's name).
 */
export interface TypeInfo {
  schema: string;
  name: string;
  kind: 'enum' | 'domain';
  /** An enum's labels in their sort order (empty for a domain). */
  labels: string[];
  /** A domain's base type with its modifiers (null for an enum). */
  base: string | null;
  /** A domain's NOT NULL. */
  not_null: boolean;
  /** A domain's default expression, or null. */
  default: string | null;
  /** A domain's CHECK constraints, as definitions (`CHECK ((VALUE > 0))`), sorted. */
  checks: string[];
}

/** The whole snapshot of one database's catalog. */
export interface CatalogSnapshot {
  format: number;
  database: string;
  server_version: string;
  /** The schemas included (system schemas never are). */
  schemas: SchemaInfo[];
  tables: TableInfo[];
  views: ViewInfo[];
  sequences: SequenceInfo[];
  functions: FunctionInfo[];
  roles: RoleInfo[];
  settings: SettingInfo[];
  extensions: ExtensionInfo[];
  /**
   * Enums and domains. Absent from a snapshot saved before they were recorded: such a snapshot is
   * compared without them.
   */
  types?: TypeInfo[];
}

/** Which schemas a snapshot covers. System schemas are always excluded. */
export interface SnapshotOptions {
  /** Schemas to include; `'all'` (default) means every non-system schema. */
  schemas?: string[] | 'all';
  /** Schemas to leave out even when `schemas` is `'all'`. */
  excludeSchemas?: string[];
}

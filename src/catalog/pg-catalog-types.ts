/**
 * Typed Kysely table interfaces for the few `pg_catalog` relations the catalog reads. Only the
 * columns we query are declared. OIDs arrive as numbers (pg parses `oid`), `"char"` columns as
 * one-letter strings, `int2[]`/`oid[]` as number arrays, `int2vector`/`oidvector` as their text
 * form (`1 3`, pg has no parser for them); `name[]` and `aclitem[]` are never selected raw (they
 * are converted in SQL where read).
 */

/** `pg_namespace`: schemas. */
export interface PgNamespace {
  oid: number;
  nspname: string;
  nspowner: number;
  nspacl: unknown;
}

/** `pg_class`: tables, views, materialized views, indexes, sequences. */
export interface PgClass {
  oid: number;
  relname: string;
  relnamespace: number;
  relkind: string;
  relowner: number;
  relrowsecurity: boolean;
  relforcerowsecurity: boolean;
  relispartition: boolean;
  relacl: unknown;
  relam: number;
  reloptions: string[] | null;
}

/** `pg_attribute`: columns. */
export interface PgAttribute {
  attrelid: number;
  attname: string;
  atttypid: number;
  atttypmod: number;
  attnum: number;
  attcollation: number;
  attnotnull: boolean;
  attisdropped: boolean;
  attidentity: string;
  attgenerated: string;
}

/** `pg_attrdef`: column defaults and generation expressions. */
export interface PgAttrdef {
  oid: number;
  adrelid: number;
  adnum: number;
  adbin: unknown;
}

/** `pg_index`: index properties (the index's own name lives in `pg_class`). */
export interface PgIndex {
  indexrelid: number;
  indrelid: number;
  indnatts: number;
  indnkeyatts: number;
  indisunique: boolean;
  /** PostgreSQL 15 and later. */
  indnullsnotdistinct: boolean;
  indisprimary: boolean;
  /** `int2vector`: attribute numbers (0 for an expression), key columns first. */
  indkey: string;
  /** `oidvector`: collation of each key column (0 when not collatable). */
  indcollation: string;
  /** `oidvector`: operator class of each key column. */
  indclass: string;
  /** `int2vector`: per-key-column flags (1 = DESC, 2 = NULLS FIRST). */
  indoption: string;
  indexprs: unknown;
  indpred: unknown;
}

/** `pg_am`: access methods (`btree`, `gist`, …). */
export interface PgAm {
  oid: number;
  amname: string;
}

/** `pg_opclass`: operator classes. */
export interface PgOpclass {
  oid: number;
  opcmethod: number;
  opcname: string;
  opcfamily: number;
  opcintype: number;
  opcdefault: boolean;
}

/** `pg_amproc`: support functions of operator families. */
export interface PgAmproc {
  amprocfamily: number;
  amprocnum: number;
}

/** `pg_constraint`: PK, unique, check, FK, exclusion (and, since PG 18, not-null) constraints. */
export interface PgConstraint {
  oid: number;
  conname: string;
  connamespace: number;
  contype: string;
  conrelid: number;
  confrelid: number;
  conkey: number[] | null;
  confkey: number[] | null;
  confupdtype: string;
  confdeltype: string;
  confmatchtype: string;
  condeferrable: boolean;
  condeferred: boolean;
  convalidated: boolean;
  conindid: number;
}

/** `pg_sequence`: sequence parameters. `int8` values arrive as strings. */
export interface PgSequence {
  seqrelid: number;
  seqtypid: number;
  seqstart: string;
  seqincrement: string;
  seqmax: string;
  seqmin: string;
  seqcache: string;
  seqcycle: boolean;
}

/** `pg_depend`: dependencies (sequence ownership, extension membership). */
export interface PgDepend {
  classid: number;
  objid: number;
  objsubid: number;
  refclassid: number;
  refobjid: number;
  refobjsubid: number;
  deptype: string;
}

/** `pg_proc`: functions and procedures. */
export interface PgProc {
  oid: number;
  proname: string;
  pronamespace: number;
  prolang: number;
  prokind: string;
  prosrc: string;
}

/** `pg_language`: procedural languages. */
export interface PgLanguage {
  oid: number;
  lanname: string;
}

/** `pg_trigger`: triggers (internal ones, e.g. for FKs, are filtered out). */
export interface PgTrigger {
  oid: number;
  tgrelid: number;
  tgname: string;
  tgenabled: string;
  tgisinternal: boolean;
}

/** `pg_policies`: RLS policies, already decoded by PostgreSQL's own view. */
export interface PgPolicies {
  schemaname: string;
  tablename: string;
  policyname: string;
  permissive: string;
  roles: unknown;
  cmd: string;
  qual: string | null;
  with_check: string | null;
}

/** `pg_roles`: roles and their attributes (password never exposed by this view). */
export interface PgRoles {
  oid: number;
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
}

/** `pg_database`: databases on the server. */
export interface PgDatabase {
  oid: number;
  datname: string;
}

/** `pg_db_role_setting`: `ALTER DATABASE … SET` / `ALTER ROLE … IN DATABASE … SET`. */
export interface PgDbRoleSetting {
  setdatabase: number;
  setrole: number;
  setconfig: string[] | null;
}

/** `pg_extension`: installed extensions. */
export interface PgExtension {
  oid: number;
  extname: string;
  extnamespace: number;
  extversion: string;
}

/** The database shape Kysely sees: `pg_catalog` relations, schema-qualified. */
export interface PgCatalog {
  'pg_catalog.pg_namespace': PgNamespace;
  'pg_catalog.pg_class': PgClass;
  'pg_catalog.pg_attribute': PgAttribute;
  'pg_catalog.pg_attrdef': PgAttrdef;
  'pg_catalog.pg_index': PgIndex;
  'pg_catalog.pg_am': PgAm;
  'pg_catalog.pg_opclass': PgOpclass;
  'pg_catalog.pg_amproc': PgAmproc;
  'pg_catalog.pg_constraint': PgConstraint;
  'pg_catalog.pg_sequence': PgSequence;
  'pg_catalog.pg_depend': PgDepend;
  'pg_catalog.pg_proc': PgProc;
  'pg_catalog.pg_language': PgLanguage;
  'pg_catalog.pg_trigger': PgTrigger;
  'pg_catalog.pg_policies': PgPolicies;
  'pg_catalog.pg_roles': PgRoles;
  'pg_catalog.pg_database': PgDatabase;
  'pg_catalog.pg_db_role_setting': PgDbRoleSetting;
  'pg_catalog.pg_extension': PgExtension;
}

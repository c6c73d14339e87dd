import type { JsonValue } from '../json.js';

/** Where a difference lies: only on the left, only on the right, or on both but different. */
export type DiffStatus = 'only-left' | 'only-right' | 'changed';

/** The kinds of top-level objects a diff groups by. */
export type DiffObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'materialized view'
  | 'sequence'
  | 'function'
  | 'role'
  | 'setting'
  | 'extension'
  | 'enum'
  | 'domain';

/** One precise difference inside an object: a field of the object or of one of its parts. */
export interface DiffChange {
  /** `property` for the object's own fields, else the part kind (`column`, `index`, …). */
  part: 'property' | 'column' | 'index' | 'constraint' | 'trigger' | 'policy' | 'grant';
  /** The part's name (column name, index name, `grantee privilege`); absent for `property`. */
  name?: string;
  status: DiffStatus;
  /** The field that differs (`type`, `on_delete`, `definition`), for `changed`. */
  field?: string;
  left?: JsonValue;
  right?: JsonValue;
}

/** All differences of one object (a table with its columns, indexes, constraints, …). */
export interface ObjectDiff {
  kind: DiffObjectKind;
  /** Qualified name (`schema.table`, `schema.fn(args)`, role name, `[role:]setting`). */
  name: string;
  status: DiffStatus;
  /** Details when `changed` (empty when the object exists on one side only). */
  changes: DiffChange[];
}

/** The structured diff of two catalogs. */
export interface CatalogDiff {
  /** True when nothing differs (then `objects` is empty). */
  equal: boolean;
  /** Labels of the two sides (database names or snapshot files). */
  left: string;
  right: string;
  objects: ObjectDiff[];
  summary: { only_left: number; only_right: number; changed: number; differences: number };
}

/** Semantic comparison options. */
export interface DiffOptions {
  /**
   * Match constraints and indexes whose names look PostgreSQL-generated (`<table>_…_pkey|key|fkey|
   * check|excl|idx`) by their definition instead of their name.
   */
  ignoreGeneratedConstraintNames?: boolean;
  /** Do not compare column positions. */
  ignoreColumnOrder?: boolean;
  /** Tables (and views) to leave out, bare (`alembic_version`) or qualified (`public.x`). */
  ignoreTables?: string[];
  /** Labels for the two sides in the result (default: the snapshots' database names). */
  labels?: { left: string; right: string };
}

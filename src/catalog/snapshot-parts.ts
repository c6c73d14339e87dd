import type {
  AttributeFacts,
  AttributeTable,
  ConstraintRow,
  DefinitionContext,
  IndexRow,
} from './index-definitions.js';
import { rebuildIndexDefinition, rebuildKeyDefinition } from './index-definitions.js';
import { readIntegers } from './packed.js';
import { COLUMN_FACTS, type queryColumns } from './query-relations.js';
import type {
  ColumnInfo,
  ConstraintInfo,
  FkAction,
  FunctionInfo,
  GrantInfo,
  IndexInfo,
} from './snapshot-types.js';

/**
 * Pure helpers of the snapshot assembler: decode catalog codes, group rows by parent relation
 * and sort deterministically. Each walks its rows once, without per-row maps or temporaries:
 * on 10,000 tables the assembly is as large a cost as the queries.
 */

type Rows<F extends (...args: never[]) => Promise<unknown[]>> = Awaited<ReturnType<F>>;

const FK_ACTIONS: Record<string, FkAction> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};
const CONSTRAINT_TYPES: Record<string, ConstraintInfo['type']> = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
  t: 'trigger',
};
export const FUNCTION_KINDS: Record<string, FunctionInfo['kind']> = {
  f: 'function',
  p: 'procedure',
  a: 'aggregate',
  w: 'window',
};

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** Code-point order: deterministic whatever the locale. */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return compare(a.name, b.name);
}
/** Schema, then name (code-point order; identifiers never contain NUL). */
export function byQualified<T extends { schema: string; name: string }>(a: T, b: T): number {
  return compare(a.schema, b.schema) || compare(a.name, b.name);
}
/** Grantee, then privilege. */
export function byGrant(a: GrantInfo, b: GrantInfo): number {
  return compare(a.grantee, b.grantee) || compare(a.privilege, b.privilege);
}
/**
 * `list` sorted in place by `order`. Most tables have one or two indexes and no trigger, policy
 * or grant: a pair is swapped by hand, spares `Array.prototype.sort` its scratch state (10,000
 * tables' worth of garbage).
 */
export function sortList<T>(list: T[], order: (a: T, b: T) => number): T[] {
  if (list.length > 2) return list.sort(order);
  if (list.length === 2 && order(list[0] as T, list[1] as T) > 0) list.reverse();
  return list;
}
/** Appends `value` to the list of `key` in `map`, creating it. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Adds a column known by name only to an {@link AttributeTable}. */
export function addAttribute(
  table: AttributeTable,
  relid: number,
  num: number,
  name: string,
): void {
  let list = table.get(relid);
  if (!list) table.set(relid, (list = []));
  list[num] = { name, facts: '' };
}

/** `format_type` by type OID, then type modifier. */
export type TypeNames = Map<number, Map<number, string>>;

/**
 * The column rows grouped by relation OID, each list indexed by attnum (names, types and
 * collations for keys and index definitions), and the distinct (type, modifier) pairs to name.
 * Rows may come in any order; those of one relation usually come together, so the relation's
 * list is looked up only when the relation changes.
 */
export function groupColumns(columns: Rows<typeof queryColumns>): {
  attributes: AttributeTable;
  types: { typids: number[]; typmods: number[] };
} {
  const rows = new Map<number, ColumnRow[]>();
  const seen: TypeNames = new Map();
  const types = { typids: [] as number[], typmods: [] as number[] };
  let relid: number | undefined;
  let byNum: ColumnRow[] = [];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as ColumnRow;
    readIntegers(c.facts, scratch);
    const rel = scratch[COLUMN_FACTS.relid] ?? 0;
    if (rel !== relid) {
      relid = rel;
      const list = rows.get(rel);
      if (list) byNum = list;
      else rows.set(rel, (byNum = []));
    }
    byNum[scratch[COLUMN_FACTS.num] ?? 0] = c;
    const typid = scratch[COLUMN_FACTS.typid] ?? 0;
    const typmod = scratch[COLUMN_FACTS.typmod] ?? -1;
    let mods = seen.get(typid);
    if (!mods) seen.set(typid, (mods = new Map()));
    if (!mods.has(typmod)) {
      mods.set(typmod, '');
      types.typids.push(typid);
      types.typmods.push(typmod);
    }
  }
  return { attributes: rows, types };
}

/** {@link TypeNames} from `queryTypeNames` rows. */
export function typeNames(rows: { typid: number; typmod: number; name: string }[]): TypeNames {
  const names: TypeNames = new Map();
  for (const r of rows) {
    let mods = names.get(r.typid);
    if (!mods) names.set(r.typid, (mods = new Map()));
    mods.set(r.typmod, r.name);
  }
  return names;
}

type ColumnRow = Rows<typeof queryColumns>[number];
const scratch: number[] = [];
const A = 'a'.charCodeAt(0); // attidentity 'a': GENERATED ALWAYS AS IDENTITY
const D = 'd'.charCodeAt(0); // attidentity 'd': GENERATED BY DEFAULT AS IDENTITY

/** A relation's columns for the snapshot, in attnum order, positions counted among live ones. */
export function columnInfos(list: AttributeFacts[] | undefined, types: TypeNames): ColumnInfo[] {
  const infos: ColumnInfo[] = [];
  if (list === undefined) return infos;
  for (let n = 1; n < list.length; n++) {
    const c = list[n] as ColumnRow | undefined;
    if (c === undefined) continue; // a dropped column's attnum
    readIntegers(c.facts, scratch);
    // `kind`: `a`/`d` identity, otherwise (`s`/`v`) generated, or 0 for neither.
    const kind = scratch[COLUMN_FACTS.kind] ?? 0;
    const identity = kind === A ? 'always' : kind === D ? 'by default' : null;
    const generated = kind === 0 || identity !== null ? null : c.expr;
    infos.push({
      name: c.name,
      position: infos.length + 1,
      type:
        types.get(scratch[COLUMN_FACTS.typid] ?? 0)?.get(scratch[COLUMN_FACTS.typmod] ?? -1) ?? '',
      nullable: scratch[COLUMN_FACTS.notnull] !== 1,
      default: generated === null ? c.expr : null,
      identity,
      generated,
    });
  }
  return infos;
}

/**
 * Fills in each index's definition (rebuilt, or as the query read it) and each key constraint's
 * (rebuilt from its index). Returns the OIDs neither could vouch for, to ask the server.
 */
export function rebuildDefinitions(
  indexes: IndexRow[],
  ctx: DefinitionContext,
): { indexes: number[]; constraints: number[] } {
  const unknown = { indexes: [] as number[], constraints: [] as number[] };
  for (let n = 0; n < indexes.length; n++) {
    const i = indexes[n] as IndexRow;
    // The key first: it is rebuilt while its index's definition is still null (plain btree).
    if (i.key) {
      const rebuilt = rebuildKeyDefinition(i.key, ctx);
      if (rebuilt === undefined) unknown.constraints.push(i.key.oid);
      else i.key.definition = rebuilt;
    }
    if (!ctx.relations.has(i.relid)) continue; // an extension's table: not in the snapshot
    const rebuilt = i.definition ?? rebuildIndexDefinition(i, ctx);
    if (rebuilt === undefined) unknown.indexes.push(i.oid);
    else i.definition = rebuilt;
  }
  return unknown;
}

/** Indexes grouped by their table's OID, with the name-free `shape`. */
export function groupIndexes(
  indexes: IndexRow[],
  quote: (name: string) => string,
): Map<number, IndexInfo[]> {
  const indexesByRel = new Map<number, IndexInfo[]>();
  const shapeOf = (i: IndexRow, definition: string): string => {
    const prefix = `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${quote(i.name)}`;
    return definition.startsWith(prefix) ? definition.slice(prefix.length) : definition;
  };
  for (let n = 0; n < indexes.length; n++) {
    const i = indexes[n] as IndexRow;
    const definition = i.definition ?? '';
    pushTo(indexesByRel, i.relid, {
      name: i.name,
      definition,
      shape: i.shape ?? shapeOf(i, definition),
      unique: i.unique,
      primary: i.primary,
      predicate: i.predicate,
    });
  }
  return indexesByRel;
}

/**
 * Constraints grouped by their table's OID, key columns named through `attributes`, referenced
 * tables through `relations`.
 */
export function groupConstraints(
  constraints: ConstraintRow[],
  attributes: AttributeTable,
  relations: Map<number, { schema: string; name: string }>,
): Map<number, ConstraintInfo[]> {
  const keyNames = (relid: number, keys: number[]): string[] => {
    const columns = attributes.get(relid);
    return keys.map((k) => columns?.[k]?.name ?? `#${k}`);
  };
  const constraintsByRel = new Map<number, ConstraintInfo[]>();
  for (let n = 0; n < constraints.length; n++) {
    const k = constraints[n] as ConstraintRow;
    const fk = k.type === 'f';
    const ref = fk ? relations.get(k.refRelid) : undefined;
    pushTo(constraintsByRel, k.relid, {
      name: k.name,
      type: CONSTRAINT_TYPES[k.type] ?? 'check',
      columns: keyNames(k.relid, k.key),
      definition: k.definition ?? '',
      references: ref
        ? { schema: ref.schema, table: ref.name, columns: keyNames(k.refRelid, k.refKey) }
        : null,
      on_delete: fk ? (FK_ACTIONS[k.onDelete] ?? null) : null,
      on_update: fk ? (FK_ACTIONS[k.onUpdate] ?? null) : null,
      deferrable: k.deferrable,
      deferred: k.deferred,
      validated: k.validated,
    });
  }
  return constraintsByRel;
}

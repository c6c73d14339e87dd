import type {
  ColumnInfo,
  ConstraintInfo,
  FkAction,
  FunctionInfo,
  GrantInfo,
  IndexInfo,
} from './snapshot-types.js';
import type { queryColumns } from './query-relations.js';
import type { queryConstraints, queryIndexes } from './query-table-parts.js';

/**
 * Pure helpers of the snapshot assembler: decode catalog codes, group rows by parent relation
 * and sort deterministically.
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

/** Code-point order: deterministic whatever the locale. */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
export function byQualified<T extends { schema: string; name: string }>(a: T, b: T): number {
  const x = `${a.schema}\u0000${a.name}`;
  const y = `${b.schema}\u0000${b.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
export function byGrant(a: GrantInfo, b: GrantInfo): number {
  const x = `${a.grantee}\u0000${a.privilege}`;
  const y = `${b.grantee}\u0000${b.privilege}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Column names by relation OID and attnum (to name constraint keys without per-table queries). */
export type AttributeNames = Map<number, Map<number, string>>;

/** Adds one column name to {@link AttributeNames}. */
export function addAttribute(
  names: AttributeNames,
  relid: number,
  num: number,
  name: string,
): void {
  let m = names.get(relid);
  if (!m) names.set(relid, (m = new Map()));
  m.set(num, name);
}

/** Columns grouped by relation OID (positions counted among live columns), plus their names. */
export function groupColumns(columns: Rows<typeof queryColumns>): {
  attName: AttributeNames;
  colsByRel: Map<number, ColumnInfo[]>;
} {
  const attName: AttributeNames = new Map();
  const colsByRel = new Map<number, ColumnInfo[]>();
  for (const c of columns) {
    addAttribute(attName, c.relid, c.num, c.name);
    const list = colsByRel.get(c.relid) ?? [];
    const generated = c.generated === '' ? null : c.expr;
    list.push({
      name: c.name,
      position: list.length + 1,
      type: c.type,
      nullable: !c.notnull,
      default: generated === null ? c.expr : null,
      identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by default' : null,
      generated,
    });
    colsByRel.set(c.relid, list);
  }
  return { attName, colsByRel };
}

/** Indexes grouped by their table's OID, with the name-free `shape`. */
export function groupIndexes(indexes: Rows<typeof queryIndexes>): Map<number, IndexInfo[]> {
  const indexesByRel = new Map<number, IndexInfo[]>();
  for (const i of indexes) {
    const prefix = `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${i.quoted_name}`;
    pushTo(indexesByRel, i.relid, {
      name: i.name,
      definition: i.definition,
      shape: i.definition.startsWith(prefix) ? i.definition.slice(prefix.length) : i.definition,
      unique: i.unique,
      primary: i.primary,
      predicate: i.predicate,
    });
  }
  return indexesByRel;
}

/** Constraints grouped by their table's OID, key columns named through `attName`. */
export function groupConstraints(
  constraints: Rows<typeof queryConstraints>,
  attName: AttributeNames,
): Map<number, ConstraintInfo[]> {
  const keyNames = (relid: number, keys: number[] | null): string[] =>
    (keys ?? []).map((k) => attName.get(relid)?.get(k) ?? `#${k}`);
  const constraintsByRel = new Map<number, ConstraintInfo[]>();
  for (const k of constraints) {
    const fk = k.type === 'f';
    pushTo(constraintsByRel, k.relid, {
      name: k.name,
      type: CONSTRAINT_TYPES[k.type] ?? 'check',
      columns: keyNames(k.relid, k.key),
      definition: k.definition,
      references:
        fk && k.ref_schema !== null && k.ref_table !== null
          ? {
              schema: k.ref_schema,
              table: k.ref_table,
              columns: keyNames(k.ref_relid, k.ref_key),
            }
          : null,
      on_delete: fk ? (FK_ACTIONS[k.on_delete] ?? null) : null,
      on_update: fk ? (FK_ACTIONS[k.on_update] ?? null) : null,
      deferrable: k.deferrable,
      deferred: k.deferred,
      validated: k.validated,
    });
  }
  return constraintsByRel;
}

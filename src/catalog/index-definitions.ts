import { integers, readIntegers } from './packed.js';
import type { QuoteIdentifier } from '../postgres/quote.js';
import { COLUMN_FACTS } from './query-relations.js';
import { CONSTRAINT_FACTS, INDEX_FACTS } from './query-table-parts.js';

/**
 * Rebuilds `pg_get_indexdef` / `pg_get_constraintdef` text from catalog columns for the common
 * shapes, byte for byte what PostgreSQL prints (ruleutils.c): on 10,000 tables the server-side
 * functions cost more than everything else in a snapshot. A rebuild is attempted only for a
 * plain btree index (no expression, no `WITH (…)`, not partitioned; the query deparses the rest
 * itself) and gives up (returns undefined, and the caller asks the server) on anything it cannot
 * vouch for: an operator class or collation other than the column's default, or a column it does
 * not know.
 */

/** A column as the assembler keeps it: its name and its packed `facts` (`queryColumns`). */
export interface AttributeFacts {
  name: string;
  /** {@link COLUMN_FACTS} positions; empty when only the name is known. */
  facts: string;
}

/** Columns of each relation by OID, each list indexed by attnum (holes where dropped). */
export type AttributeTable = Map<number, AttributeFacts[]>;

/** An index, decoded from a `queryIndexes` row. */
export interface IndexRow {
  oid: number;
  relid: number;
  name: string;
  unique: boolean;
  primary: boolean;
  nullsNotDistinct: boolean;
  natts: number;
  nkeyatts: number;
  /**
   * The decoded `facts`: from {@link INDEX_FACTS}`.vectors` on, `indkey` (`natts` attnums), then
   * `indclass`, `indcollation` and `indoption` (`nkeyatts` each).
   */
  facts: number[];
  /** `pg_get_indexdef`: read by the query, rebuilt, or null until asked for. */
  definition: string | null;
  /** The definition after `CREATE [UNIQUE] INDEX <name>`, when rebuilt. */
  shape?: string;
  /** The primary key or unique constraint the index backs. */
  key?: ConstraintRow;
  predicate: string | null;
}

/**
 * A constraint, decoded from a `queryConstraints` row, or (a primary key or unique constraint)
 * from the `queryIndexes` row of its index.
 */
export interface ConstraintRow {
  oid: number;
  relid: number;
  name: string;
  /** `contype`. */
  type: string;
  key: number[];
  refRelid: number;
  refKey: number[];
  /** `confdeltype` / `confupdtype` (foreign keys only). */
  onDelete: string;
  onUpdate: string;
  /** A primary key's or unique constraint's index. */
  index?: IndexRow;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  /** `pg_get_constraintdef`: read by the query, rebuilt, or null until asked for. */
  definition: string | null;
}

/** The server facts a rebuild depends on. */
export interface DefinitionContext {
  quote: QuoteIdentifier;
  /** Default btree operator classes (without options) → the one input type each is default for. */
  defaultOpclasses: Map<number, number>;
  attributes: AttributeTable;
  /** Schema and name of each table and materialized view, by OID. */
  relations: Map<number, { schema: string; name: string }>;
}

/**
 * Decodes a `queryIndexes` row, with the primary key or unique constraint it backs (its key is
 * the index's key columns; its definition is rebuilt with the index's).
 */
export function decodeIndex(row: {
  facts: string;
  name: string;
  key_name: string | null;
  definition: string | null;
  predicate: string | null;
}): IndexRow {
  const f = integers(row.facts);
  const at = (i: number): number => f[i] ?? 0;
  const index: IndexRow = {
    oid: at(INDEX_FACTS.oid),
    relid: at(INDEX_FACTS.relid),
    name: row.name,
    unique: at(INDEX_FACTS.unique) === 1,
    primary: at(INDEX_FACTS.primary) === 1,
    nullsNotDistinct: at(INDEX_FACTS.nullsNotDistinct) === 1,
    natts: at(INDEX_FACTS.natts),
    nkeyatts: at(INDEX_FACTS.nkeyatts),
    facts: f,
    definition: row.definition,
    predicate: row.predicate,
  };
  const keyOid = at(INDEX_FACTS.keyOid);
  if (keyOid !== 0)
    index.key = {
      oid: keyOid,
      relid: index.relid,
      name: row.key_name ?? row.name,
      type: String.fromCharCode(at(INDEX_FACTS.keyType)),
      key: f.slice(INDEX_FACTS.vectors, INDEX_FACTS.vectors + index.nkeyatts),
      refRelid: 0,
      refKey: [],
      onDelete: '',
      onUpdate: '',
      index,
      deferrable: at(INDEX_FACTS.keyDeferrable) === 1,
      deferred: at(INDEX_FACTS.keyDeferred) === 1,
      validated: at(INDEX_FACTS.keyValidated) === 1,
      definition: null,
    };
  return index;
}

/** Decodes a `queryConstraints` row. */
export function decodeConstraint(row: {
  facts: string;
  codes: string;
  name: string;
  definition: string;
}): ConstraintRow {
  const f = integers(row.facts);
  const at = (i: number): number => f[i] ?? 0;
  const keyEnd = CONSTRAINT_FACTS.key + 1 + at(CONSTRAINT_FACTS.key);
  return {
    oid: at(CONSTRAINT_FACTS.oid),
    relid: at(CONSTRAINT_FACTS.relid),
    name: row.name,
    type: row.codes.charAt(0),
    key: f.slice(CONSTRAINT_FACTS.key + 1, keyEnd),
    refRelid: at(CONSTRAINT_FACTS.refRelid),
    refKey: f.slice(keyEnd + 1, keyEnd + 1 + at(keyEnd)),
    onDelete: row.codes.charAt(1),
    onUpdate: row.codes.charAt(2),
    deferrable: at(CONSTRAINT_FACTS.deferrable) === 1,
    deferred: at(CONSTRAINT_FACTS.deferred) === 1,
    validated: at(CONSTRAINT_FACTS.validated) === 1,
    definition: row.definition,
  };
}

/** Quoted names of the given attnums, or undefined when one is not a known column. */
function columnNames(
  ctx: DefinitionContext,
  relid: number,
  nums: readonly number[],
): string[] | undefined {
  const columns = ctx.attributes.get(relid);
  if (!columns) return undefined;
  const names: string[] = [];
  for (const num of nums) {
    const column = columns[num];
    if (column === undefined) return undefined;
    names.push(ctx.quote(column.name));
  }
  return names;
}

/**
 * `pg_get_indexdef` of a plain btree index (and its `shape`, set on `index`), or undefined when
 * any key column has a non-default operator class or collation, or names a column not in `ctx`.
 */
export function rebuildIndexDefinition(
  index: IndexRow,
  ctx: DefinitionContext,
): string | undefined {
  const relation = ctx.relations.get(index.relid);
  const columns = ctx.attributes.get(index.relid);
  if (index.definition !== null || !relation || !columns) return undefined;
  const { natts, nkeyatts, facts: v } = index;
  const key = INDEX_FACTS.vectors; // indkey[k] at v[key + k]
  const opclass = key + natts; // then indclass, indcollation, indoption
  const collation = opclass + nkeyatts;
  const option = collation + nkeyatts;
  const q = ctx.quote;
  let list = '';
  for (let k = 0; k < natts; k++) {
    const column = columns[v[key + k] ?? 0];
    if (column === undefined) return undefined;
    list += (k === nkeyatts ? ') INCLUDE (' : k > 0 ? ', ' : '') + q(column.name);
    if (k >= nkeyatts) continue;
    readIntegers(column.facts, scratch);
    const coll = v[collation + k] ?? 0;
    if (coll !== 0 && coll !== scratch[COLUMN_FACTS.collation]) return undefined;
    const intype = ctx.defaultOpclasses.get(v[opclass + k] ?? 0);
    if (intype === undefined || intype !== scratch[COLUMN_FACTS.typid]) return undefined;
    const flags = v[option + k] ?? 0;
    if (flags & 1)
      list += flags & 2 ? ' DESC' : ' DESC NULLS LAST'; // INDOPTION_DESC
    else if (flags & 2) list += ' NULLS FIRST'; // INDOPTION_NULLS_FIRST
  }
  index.shape =
    ` ON ${q(relation.schema)}.${q(relation.name)} USING btree (${list})` +
    (index.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '') +
    (index.predicate === null ? '' : ` WHERE ${index.predicate}`);
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)}${index.shape}`;
}

/** Reused by {@link rebuildIndexDefinition} to read a column's facts without allocating. */
const scratch: number[] = [];

/**
 * `pg_get_constraintdef` of a primary key or unique constraint backed by a plain btree index
 * (a `WITHOUT OVERLAPS` key is GiST, so never rebuilt), or undefined.
 */
export function rebuildKeyDefinition(
  constraint: ConstraintRow,
  ctx: DefinitionContext,
): string | undefined {
  const index = constraint.index;
  if (!index || index.definition !== null || constraint.key.length === 0) return undefined;
  const keys = columnNames(ctx, constraint.relid, constraint.key);
  const included = columnNames(
    ctx,
    index.relid,
    index.facts.slice(
      INDEX_FACTS.vectors + constraint.key.length,
      INDEX_FACTS.vectors + index.natts,
    ),
  );
  if (!keys || !included) return undefined;
  const primary = constraint.type === 'p';
  return (
    (primary ? 'PRIMARY KEY ' : 'UNIQUE ') +
    (!primary && index.nullsNotDistinct ? 'NULLS NOT DISTINCT ' : '') +
    `(${keys.join(', ')})` +
    (included.length > 0 ? ` INCLUDE (${included.join(', ')})` : '') +
    (constraint.deferrable ? ' DEFERRABLE' : '') +
    (constraint.deferred ? ' INITIALLY DEFERRED' : '') +
    (constraint.validated ? '' : ' NOT VALID')
  );
}

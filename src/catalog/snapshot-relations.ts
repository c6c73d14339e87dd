import type { AttributeTable } from './index-definitions.js';
import { readIntegers } from './packed.js';
import { RELATION_FACTS, type queryRelations } from './query-relations.js';
import {
  byGrant,
  byName,
  byQualified,
  columnInfos,
  sortList,
  type TypeNames,
} from './snapshot-parts.js';
import type {
  ConstraintInfo,
  GrantInfo,
  IndexInfo,
  PolicyInfo,
  TableInfo,
  TriggerInfo,
  ViewInfo,
} from './snapshot-types.js';

/** A `queryRelations` row. */
export type RelationRow = Awaited<ReturnType<typeof queryRelations>>[number];

/** What hangs off relations, grouped by relation OID (policies by `schema.table`). */
export interface RelationParts {
  attributes: AttributeTable;
  types: TypeNames;
  indexes: Map<number, IndexInfo[]>;
  constraints: Map<number, ConstraintInfo[]>;
  triggers: Map<number, TriggerInfo[]>;
  policies: Map<string, PolicyInfo[]>;
}

/** Reused to read `facts` without allocating. */
const facts: number[] = [];

/** A relation row's OID. */
export function relationOid(row: RelationRow): number {
  readIntegers(row.facts, facts);
  return facts[RELATION_FACTS.oid] ?? 0;
}

/** The snapshot's tables and views, each sorted by schema and name, their parts by name. */
export function relationInfos(
  rows: RelationRow[],
  parts: RelationParts,
): { tables: TableInfo[]; views: ViewInfo[] } {
  const sorted = <T>(list: T[] | undefined, order: (a: T, b: T) => number): T[] =>
    list === undefined ? [] : sortList(list, order);
  const tables: TableInfo[] = [];
  const views: ViewInfo[] = [];
  for (let n = 0; n < rows.length; n++) {
    const r = rows[n] as RelationRow;
    readIntegers(r.facts, facts);
    const oid = facts[RELATION_FACTS.oid] ?? 0;
    const columns = columnInfos(parts.attributes.get(oid), parts.types);
    const grants: GrantInfo[] =
      r.grants === null
        ? []
        : sortList(
            r.grants.map((g) => ({
              grantee: g.grantee ?? 'PUBLIC',
              privilege: g.privilege,
              grantable: g.grantable,
            })),
            byGrant,
          );
    if (r.kind === 'r' || r.kind === 'p')
      tables.push({
        schema: r.schema,
        name: r.name,
        partitioned: r.kind === 'p',
        partition: facts[RELATION_FACTS.partition] === 1,
        owner: r.owner,
        rls_enabled: facts[RELATION_FACTS.rlsEnabled] === 1,
        rls_forced: facts[RELATION_FACTS.rlsForced] === 1,
        columns,
        indexes: sorted(parts.indexes.get(oid), byName),
        constraints: sorted(parts.constraints.get(oid), byName),
        triggers: sorted(parts.triggers.get(oid), byName),
        policies:
          parts.policies.size === 0
            ? []
            : sorted(parts.policies.get(`${r.schema}.${r.name}`), byName),
        grants,
      });
    else
      views.push({
        schema: r.schema,
        name: r.name,
        materialized: r.kind === 'm',
        owner: r.owner,
        definition: r.definition ?? '',
        columns,
        indexes: sorted(parts.indexes.get(oid), byName),
        triggers: sorted(parts.triggers.get(oid), byName),
        grants,
      });
  }
  return { tables: tables.sort(byQualified), views: views.sort(byQualified) };
}

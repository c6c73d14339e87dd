import type pg from 'pg';
import { toCatalogDb, type CatalogDb } from './catalog-db.js';
import {
  queryExtensions,
  queryFunctions,
  queryIdentity,
  queryRoles,
  querySequences,
  querySettings,
} from './query-globals.js';
import {
  queryColumnNames,
  queryColumns,
  queryRelationGrants,
  querySchemaGrants,
  querySchemas,
  queryTables,
  queryViews,
} from './query-relations.js';
import {
  queryConstraints,
  queryIndexes,
  queryPolicies,
  queryTriggers,
} from './query-table-parts.js';
import {
  CATALOG_FORMAT,
  type CatalogSnapshot,
  type ColumnInfo,
  type ConstraintInfo,
  type FkAction,
  type FunctionInfo,
  type GrantInfo,
  type IndexInfo,
  type SnapshotOptions,
  type TableInfo,
  type TriggerInfo,
  type ViewInfo,
} from './snapshot-types.js';

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
const FUNCTION_KINDS: Record<string, FunctionInfo['kind']> = {
  f: 'function',
  p: 'procedure',
  a: 'aggregate',
  w: 'window',
};

/** Code-point order: deterministic whatever the locale. */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
function byQualified<T extends { schema: string; name: string }>(a: T, b: T): number {
  const x = `${a.schema}\u0000${a.name}`;
  const y = `${b.schema}\u0000${b.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
function byGrant(a: GrantInfo, b: GrantInfo): number {
  const x = `${a.grantee}\u0000${a.privilege}`;
  const y = `${b.grantee}\u0000${b.privilege}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Resolves the schema selection against the schemas that exist. */
export function selectSchemas(existing: string[], options: SnapshotOptions): string[] {
  const exclude = new Set(options.excludeSchemas ?? []);
  const wanted =
    options.schemas === undefined || options.schemas === 'all'
      ? existing
      : existing.filter((s) => (options.schemas as string[]).includes(s));
  return wanted.filter((s) => !exclude.has(s));
}

/**
 * Snapshots a database's catalog: one query per object kind (never per table), run concurrently
 * on the pool, so 10,000 tables take a fraction of a second. System schemas are never included.
 * Accepts a Kysely instance typed for `pg_catalog` or a pg pool (from `Connections`); the pool is
 * not ended. The result is plain JSON (`JSON.parse(JSON.stringify(s))` deep-equals `s`).
 */
export async function snapshotCatalog(
  source: CatalogDb | pg.Pool,
  options: SnapshotOptions = {},
): Promise<CatalogSnapshot> {
  const db = toCatalogDb(source);
  const [identity, allSchemas] = await Promise.all([queryIdentity(db), querySchemas(db)]);
  const names = selectSchemas(
    allSchemas.map((s) => s.name),
    options,
  );
  const [
    tables,
    views,
    columns,
    relGrants,
    schemaGrants,
    indexes,
    constraints,
    triggers,
    policies,
    sequences,
    functions,
    roles,
    settings,
    extensions,
  ] = await Promise.all([
    queryTables(db, names),
    queryViews(db, names),
    queryColumns(db, names),
    queryRelationGrants(db, names),
    querySchemaGrants(db, names),
    queryIndexes(db, names),
    queryConstraints(db, names),
    queryTriggers(db, names),
    queryPolicies(db, names),
    querySequences(db, names),
    queryFunctions(db, names),
    queryRoles(db),
    querySettings(db),
    queryExtensions(db),
  ]);

  // Column names by (relation, attnum), to name constraint keys without a query per table.
  const attName = new Map<number, Map<number, string>>();
  const colsByRel = new Map<number, ColumnInfo[]>();
  for (const c of columns) {
    let names = attName.get(c.relid);
    if (!names) attName.set(c.relid, (names = new Map()));
    names.set(c.num, c.name);
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
  const foreign = [
    ...new Set(constraints.map((k) => k.ref_relid).filter((r) => r && !attName.has(r))),
  ];
  for (const c of await queryColumnNames(db, foreign)) {
    let names = attName.get(c.relid);
    if (!names) attName.set(c.relid, (names = new Map()));
    names.set(c.num, c.name);
  }
  const keyNames = (relid: number, keys: number[] | null): string[] =>
    (keys ?? []).map((k) => attName.get(relid)?.get(k) ?? `#${k}`);

  const grantsByRel = new Map<number, GrantInfo[]>();
  for (const g of relGrants)
    pushTo(grantsByRel, g.relid, {
      grantee: g.grantee ?? 'PUBLIC',
      privilege: g.privilege,
      grantable: g.grantable,
    });
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
  const triggersByRel = new Map<number, TriggerInfo[]>();
  for (const t of triggers)
    pushTo(triggersByRel, t.relid, { name: t.name, definition: t.definition, enabled: t.enabled });
  const policiesByTable = new Map<string, TableInfo['policies']>();
  for (const p of policies)
    pushTo(policiesByTable, `${p.schema}.${p.table}`, {
      name: p.name,
      permissive: p.permissive === 'PERMISSIVE',
      command: p.command,
      roles: [...p.roles].sort(),
      using: p.using,
      with_check: p.with_check,
    });

  const sorted = <T extends { name: string }>(list: T[] | undefined): T[] =>
    (list ?? []).sort(byName);
  const tableInfos: TableInfo[] = tables
    .map((t) => ({
      schema: t.schema,
      name: t.name,
      partitioned: t.kind === 'p',
      partition: t.partition,
      owner: t.owner,
      rls_enabled: t.rls_enabled,
      rls_forced: t.rls_forced,
      columns: colsByRel.get(t.oid) ?? [],
      indexes: sorted(indexesByRel.get(t.oid)),
      constraints: sorted(constraintsByRel.get(t.oid)),
      triggers: sorted(triggersByRel.get(t.oid)),
      policies: sorted(policiesByTable.get(`${t.schema}.${t.name}`)),
      grants: (grantsByRel.get(t.oid) ?? []).sort(byGrant),
    }))
    .sort(byQualified);
  const viewInfos: ViewInfo[] = views
    .map((v) => ({
      schema: v.schema,
      name: v.name,
      materialized: v.kind === 'm',
      owner: v.owner,
      definition: v.definition,
      columns: colsByRel.get(v.oid) ?? [],
      indexes: sorted(indexesByRel.get(v.oid)),
      triggers: sorted(triggersByRel.get(v.oid)),
      grants: (grantsByRel.get(v.oid) ?? []).sort(byGrant),
    }))
    .sort(byQualified);

  const schemaGrantsBy = new Map<string, GrantInfo[]>();
  for (const g of schemaGrants)
    pushTo(schemaGrantsBy, g.schema, {
      grantee: g.grantee ?? 'PUBLIC',
      privilege: g.privilege,
      grantable: g.grantable,
    });

  return {
    format: CATALOG_FORMAT,
    database: identity.database,
    server_version: identity.server_version,
    schemas: allSchemas
      .filter((s) => names.includes(s.name))
      .map((s) => ({
        name: s.name,
        owner: s.owner,
        grants: (schemaGrantsBy.get(s.name) ?? []).sort(byGrant),
      }))
      .sort(byName),
    tables: tableInfos,
    views: viewInfos,
    sequences: sequences
      .map((s) => ({
        schema: s.schema,
        name: s.name,
        type: s.type,
        start: String(s.start),
        increment: String(s.increment),
        min: String(s.min),
        max: String(s.max),
        cache: String(s.cache),
        cycle: s.cycle,
        owned_by:
          s.owner_table && s.owner_column
            ? `${s.owner_schema}.${s.owner_table}.${s.owner_column}`
            : null,
      }))
      .sort(byQualified),
    functions: functions
      .map((f) => ({
        schema: f.schema,
        name: f.name,
        signature: `${f.name}(${f.args})`,
        result: f.result,
        kind: FUNCTION_KINDS[f.kind] ?? 'function',
        language: f.language,
        body_md5: f.body_md5,
      }))
      .sort((a, b) => byQualified({ ...a, name: a.signature }, { ...b, name: b.signature })),
    roles: roles.map((r) => ({ ...r })),
    settings: settings
      .flatMap((s) =>
        (s.config ?? []).map((entry) => {
          const eq = entry.indexOf('=');
          return {
            role: s.role,
            name: eq < 0 ? entry : entry.slice(0, eq),
            value: eq < 0 ? '' : entry.slice(eq + 1),
          };
        }),
      )
      .sort((a, b) =>
        byName(
          { name: `${a.role ?? ''}\u0000${a.name}` },
          { name: `${b.role ?? ''}\u0000${b.name}` },
        ),
      ),
    extensions: extensions.map((e) => ({ ...e })),
  };
}

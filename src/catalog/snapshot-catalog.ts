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
  queryRelations,
  querySchemaGrants,
  querySchemas,
  queryTypeNames,
} from './query-relations.js';
import {
  queryConstraintDefinitions,
  queryConstraints,
  queryDefaultOpclasses,
  queryIndexDefinitions,
  queryIndexes,
  queryPolicies,
  queryTriggers,
} from './query-table-parts.js';
import { decodeConstraint, decodeIndex } from './index-definitions.js';
import { identifierQuoter } from '../postgres/quote.js';
import {
  addAttribute,
  byGrant,
  byName,
  byQualified,
  FUNCTION_KINDS,
  groupColumns,
  groupConstraints,
  groupIndexes,
  pushTo,
  rebuildDefinitions,
  typeNames,
} from './snapshot-parts.js';
import { relationInfos, relationOid } from './snapshot-relations.js';
import { sequenceInfo, sequenceOwner } from './snapshot-sequences.js';
import { queryUserTypes, userTypeInfos } from './query-user-types.js';
import {
  CATALOG_FORMAT,
  type CatalogSnapshot,
  type GrantInfo,
  type PolicyInfo,
  type SnapshotOptions,
  type TriggerInfo,
} from './snapshot-types.js';

/** Resolves the schema selection against the schemas that exist. */
export function selectSchemas(existing: string[], options: SnapshotOptions): string[] {
  const exclude = new Set(options.excludeSchemas ?? []);
  const wanted =
    options.schemas === undefined || options.schemas === 'all'
      ? existing
      : existing.filter((s) => (options.schemas as string[]).includes(s));
  return wanted.filter((s) => !exclude.has(s));
}

type Rows<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/**
 * Runs the per-kind queries for the selected schemas, the heaviest first: the pool (often 4
 * connections) starts them before the small ones. Each result is decoded as it arrives, while the
 * server still runs the others.
 */
async function queryCatalogRows(db: CatalogDb, names: string[], versionNum: number) {
  const heavy = Promise.all([
    queryColumns(db, names).then((rows) => {
      const { attributes, types } = groupColumns(rows);
      // One `format_type` per distinct (type, modifier), asked for as soon as they are known.
      const typeRows = queryTypeNames(db, types.typids, types.typmods);
      typeRows.catch(() => undefined); // awaited below; not unhandled if assembly throws first
      return { attributes, typeRows };
    }),
    queryIndexes(db, names, versionNum).then((rows) => rows.map(decodeIndex)),
    queryRelations(db, names).then((rows) => {
      const relations = new Map<number, { schema: string; name: string }>();
      rows.forEach((r) => relations.set(relationOid(r), r));
      return { relationRows: rows, relations };
    }),
    querySequences(db, names),
    queryConstraints(db, names).then((rows) => rows.map(decodeConstraint)),
  ]);
  const light = Promise.all([
    querySchemaGrants(db, names),
    queryTriggers(db, names),
    queryPolicies(db, names),
    queryFunctions(db, names),
    queryRoles(db),
    querySettings(db),
    queryExtensions(db),
    queryDefaultOpclasses(db),
    queryUserTypes(db, names),
  ]);
  const [
    [{ attributes, typeRows }, indexRows, { relationRows, relations }, sequences, constraintRows],
    [schemaGrants, triggers, policies, functions, roles, settings, extensions, opclasses, types],
  ] = await Promise.all([heavy, light]);
  return {
    attributes,
    typeRows,
    indexRows,
    relationRows,
    relations,
    sequences,
    constraintRows,
    schemaGrants,
    triggers,
    policies,
    functions,
    roles,
    settings,
    extensions,
    opclasses,
    types,
  };
}

type CatalogRows = Awaited<ReturnType<typeof queryCatalogRows>>;

/**
 * Completes the rows in place: index and key definitions are rebuilt from the catalog rows where
 * that is exact; the few left are asked for in one query each, with the names of FK targets and
 * sequence owners outside the snapshot. Resolves to the type names.
 */
async function completeDefinitions(
  db: CatalogDb,
  rows: CatalogRows,
  quote: (name: string) => string,
): Promise<Rows<typeof queryTypeNames>> {
  const { attributes, relations, indexRows, constraintRows, sequences } = rows;
  indexRows.forEach((i) => i.key && constraintRows.push(i.key));
  const unknown = rebuildDefinitions(indexRows, {
    quote,
    defaultOpclasses: new Map(rows.opclasses.map((o) => [o.oid, o.intype])),
    attributes,
    relations,
  });
  const foreign = new Set<number>();
  const named = (r: number): boolean => attributes.has(r) && relations.has(r);
  constraintRows.forEach((k) => {
    if (k.refRelid && !named(k.refRelid)) foreign.add(k.refRelid);
  });
  sequences.forEach((q) => {
    const owner = sequenceOwner(q);
    if (owner && !named(owner)) foreign.add(owner);
  });
  const [typeRows, foreignColumns, indexDefs, constraintDefs] = await Promise.all([
    rows.typeRows,
    queryColumnNames(db, [...foreign]),
    queryIndexDefinitions(db, unknown.indexes),
    queryConstraintDefinitions(db, unknown.constraints),
  ]);
  for (const c of foreignColumns) {
    relations.set(c.relid, { schema: c.schema, name: c.table });
    addAttribute(attributes, c.relid, c.num, c.name);
  }
  const indexDef = new Map(indexDefs.map((d) => [d.oid, d.definition]));
  if (indexDef.size > 0) indexRows.forEach((i) => (i.definition ??= indexDef.get(i.oid) ?? null));
  const constraintDef = new Map(constraintDefs.map((d) => [d.oid, d.definition]));
  if (constraintDef.size > 0)
    constraintRows.forEach((k) => (k.definition ??= constraintDef.get(k.oid) ?? null));
  return typeRows;
}

/** Tables and views with their columns, indexes, constraints, triggers and policies. */
function relationsOf(
  rows: CatalogRows,
  typeRows: Rows<typeof queryTypeNames>,
  quote: (name: string) => string,
) {
  const { attributes, relations } = rows;
  const triggersByRel = new Map<number, TriggerInfo[]>();
  for (const t of rows.triggers)
    pushTo(triggersByRel, t.relid, { name: t.name, definition: t.definition, enabled: t.enabled });
  const policiesByTable = new Map<string, PolicyInfo[]>();
  for (const p of rows.policies)
    pushTo(policiesByTable, `${p.schema}.${p.table}`, {
      name: p.name,
      permissive: p.permissive === 'PERMISSIVE',
      command: p.command,
      roles: [...p.roles].sort(),
      using: p.using,
      with_check: p.with_check,
    });
  return relationInfos(rows.relationRows, {
    attributes,
    types: typeNames(typeRows),
    indexes: groupIndexes(rows.indexRows, quote),
    constraints: groupConstraints(rows.constraintRows, attributes, relations),
    triggers: triggersByRel,
    policies: policiesByTable,
  });
}

/** The selected schemas with their owners and grants, by name. */
function schemaInfos(
  allSchemas: Rows<typeof querySchemas>,
  names: string[],
  schemaGrants: Rows<typeof querySchemaGrants>,
): CatalogSnapshot['schemas'] {
  const schemaGrantsBy = new Map<string, GrantInfo[]>();
  for (const g of schemaGrants)
    pushTo(schemaGrantsBy, g.schema, {
      grantee: g.grantee ?? 'PUBLIC',
      privilege: g.privilege,
      grantable: g.grantable,
    });
  return allSchemas
    .filter((s) => names.includes(s.name))
    .map((s) => ({
      name: s.name,
      owner: s.owner,
      grants: (schemaGrantsBy.get(s.name) ?? []).sort(byGrant),
    }))
    .sort(byName);
}

/** Functions and procedures, by schema and signature. */
function functionInfos(functions: Rows<typeof queryFunctions>): CatalogSnapshot['functions'] {
  return functions
    .map((f) => ({
      schema: f.schema,
      name: f.name,
      signature: `${f.name}(${f.args})`,
      result: f.result,
      kind: FUNCTION_KINDS[f.kind] ?? 'function',
      language: f.language,
      body_md5: f.body_md5,
    }))
    .sort((a, b) => byQualified({ ...a, name: a.signature }, { ...b, name: b.signature }));
}

/** Per-role and per-database settings (`name=value` entries), by role then name. */
function settingInfos(settings: Rows<typeof querySettings>): CatalogSnapshot['settings'] {
  return settings
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
    );
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
  const rows = await queryCatalogRows(db, names, identity.version_num);
  const quote = identifierQuoter(identity.keywords, identity.quote_all);
  const typeRows = await completeDefinitions(db, rows, quote);
  const { tables, views } = relationsOf(rows, typeRows, quote);
  return {
    format: CATALOG_FORMAT,
    database: identity.database,
    server_version: identity.server_version,
    schemas: schemaInfos(allSchemas, names, rows.schemaGrants),
    tables,
    views,
    sequences: rows.sequences
      .map((q) => sequenceInfo(q, rows.relations, rows.attributes))
      .sort(byQualified),
    functions: functionInfos(rows.functions),
    roles: rows.roles.map((r) => ({ ...r })),
    settings: settingInfos(rows.settings),
    extensions: rows.extensions.map((e) => ({ ...e })),
    types: userTypeInfos(rows.types),
  };
}

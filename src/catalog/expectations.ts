import type { JsonValue } from '../json.js';
import type { CatalogSnapshot, TableInfo, ViewInfo } from './snapshot-types.js';

/** A foreign key the database must have. Tables are `schema.table` or a bare name. */
export interface ForeignKeyExpectation {
  table: string;
  columns: string[];
  references: { table: string; columns: string[] };
  on_delete?: string;
  on_update?: string;
}

/** A privilege a role must hold on a table (`schema.table`) or schema (`schema:name`). */
export interface GrantExpectation {
  role: string;
  privilege: string;
  on: string;
}

/** Declarative expectations on a catalog (all optional; every one given is checked). */
export interface CatalogExpectations {
  /** Base tables per schema (partitioned parents and partitions count, like information_schema). */
  tables?: Record<string, number>;
  total_tables?: number;
  /** Plain views (not materialized), in total or per schema. */
  views?: number | Record<string, number>;
  tables_exist?: string[];
  tables_absent?: string[];
  /** Views or materialized views. */
  views_exist?: string[];
  /** `schema.table.column` or `table.column`. */
  columns_exist?: string[];
  foreign_keys?: ForeignKeyExpectation[];
  roles?: string[];
  grants?: GrantExpectation[];
  /** Database-level settings (`ALTER DATABASE … SET`). */
  settings?: Record<string, string>;
}

/** The version table as read, and what `version` should be. */
export interface VersionExpectation {
  /** `head` or a revision. */
  expected: string;
  /** The heads of the migration source (needed for `head`). */
  heads?: string[];
  /**
   * Whether the rows put the database at those heads (every migration up to them applied): what
   * `head` checks. The rows are shown as they are (a tool such as dbmate records every
   * migration, not only the head).
   */
  atHead?: boolean;
  /** Rows of the version table, null when it does not exist. */
  actual: string[] | null;
}

/** One checked expectation. */
export interface ExpectationResult {
  kind: string;
  subject: string;
  pass: boolean;
  expected: JsonValue;
  actual: JsonValue;
}

function findTable(s: CatalogSnapshot, ref: string): TableInfo | undefined {
  const dot = ref.lastIndexOf('.');
  if (dot < 0) return s.tables.find((t) => t.name === ref);
  return s.tables.find((t) => t.schema === ref.slice(0, dot) && t.name === ref.slice(dot + 1));
}

function findView(s: CatalogSnapshot, ref: string): ViewInfo | undefined {
  const dot = ref.lastIndexOf('.');
  if (dot < 0) return s.views.find((v) => v.name === ref);
  return s.views.find((v) => v.schema === ref.slice(0, dot) && v.name === ref.slice(dot + 1));
}

/** Tables per schema (every included schema listed, zero when empty). */
export function tablesPerSchema(s: CatalogSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sc of s.schemas) out[sc.name] = 0;
  for (const t of s.tables) out[t.schema] = (out[t.schema] ?? 0) + 1;
  return out;
}

function viewsPerSchema(s: CatalogSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of s.views) if (!v.materialized) out[v.schema] = (out[v.schema] ?? 0) + 1;
  return out;
}

function result(
  kind: string,
  subject: string,
  expected: JsonValue,
  actual: JsonValue,
  pass?: boolean,
): ExpectationResult {
  return {
    kind,
    subject,
    pass: pass ?? JSON.stringify(expected) === JSON.stringify(actual),
    expected,
    actual,
  };
}

function checkForeignKey(s: CatalogSnapshot, fk: ForeignKeyExpectation): ExpectationResult {
  const subject = `${fk.table}(${fk.columns.join(', ')}) → ${fk.references.table}(${fk.references.columns.join(', ')})`;
  const expected: JsonValue = {
    ...(fk.on_delete ? { on_delete: fk.on_delete.toUpperCase() } : {}),
    ...(fk.on_update ? { on_update: fk.on_update.toUpperCase() } : {}),
    exists: true,
  };
  const table = findTable(s, fk.table);
  if (!table)
    return result('foreign_key', subject, expected, `table ${fk.table} does not exist`, false);
  const ref = fk.references.table;
  const candidates = table.constraints.filter(
    (k) =>
      k.type === 'foreign key' &&
      k.references !== null &&
      JSON.stringify(k.columns) === JSON.stringify(fk.columns) &&
      JSON.stringify(k.references.columns) === JSON.stringify(fk.references.columns) &&
      (ref.includes('.')
        ? `${k.references.schema}.${k.references.table}` === ref
        : k.references.table === ref),
  );
  const found = candidates[0];
  if (!found) {
    const others = table.constraints
      .filter((k) => k.type === 'foreign key')
      .map((k) => k.definition);
    return result(
      'foreign_key',
      subject,
      expected,
      others.length > 0 ? { foreign_keys: others } : 'no such foreign key',
      false,
    );
  }
  const actual: JsonValue = {
    ...(fk.on_delete ? { on_delete: found.on_delete } : {}),
    ...(fk.on_update ? { on_update: found.on_update } : {}),
    exists: true,
  };
  return result('foreign_key', subject, expected, actual);
}

function checkGrant(s: CatalogSnapshot, g: GrantExpectation): ExpectationResult {
  const privilege = g.privilege.toUpperCase();
  const subject = `${g.role} ${privilege} on ${g.on}`;
  const holds = (grants: { grantee: string; privilege: string }[], owner: string): boolean =>
    owner === g.role ||
    grants.some(
      (x) => (x.grantee === g.role || x.grantee === 'PUBLIC') && x.privilege === privilege,
    );
  let held: string[] | undefined;
  let ok = false;
  if (g.on.startsWith('schema:')) {
    const schema = s.schemas.find((x) => x.name === g.on.slice('schema:'.length));
    if (schema) {
      ok = holds(schema.grants, schema.owner);
      held = schema.grants.filter((x) => x.grantee === g.role).map((x) => x.privilege);
    }
  } else {
    const rel = findTable(s, g.on) ?? findView(s, g.on);
    if (rel) {
      ok = holds(rel.grants, rel.owner);
      held = rel.grants.filter((x) => x.grantee === g.role).map((x) => x.privilege);
    }
  }
  return result(
    'grant',
    subject,
    'granted',
    held === undefined ? `${g.on} does not exist` : ok ? 'granted' : { privileges: held },
    ok,
  );
}

/**
 * Checks every given expectation against a snapshot (and the version table) and returns one
 * result per expectation, passing or not, so a failure can list all unmet ones at once.
 */
export function evaluateExpectations(
  s: CatalogSnapshot,
  e: CatalogExpectations,
  version?: VersionExpectation,
): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const perSchema = tablesPerSchema(s);
  for (const [schema, n] of Object.entries(e.tables ?? {}))
    out.push(result('tables', `tables in schema ${schema}`, n, perSchema[schema] ?? 0));
  if (e.total_tables !== undefined)
    out.push(result('total_tables', 'total tables', e.total_tables, s.tables.length));
  if (typeof e.views === 'number')
    out.push(
      result('views', 'total views', e.views, s.views.filter((v) => !v.materialized).length),
    );
  else if (e.views) {
    const vs = viewsPerSchema(s);
    for (const [schema, n] of Object.entries(e.views))
      out.push(result('views', `views in schema ${schema}`, n, vs[schema] ?? 0));
  }
  for (const t of e.tables_exist ?? [])
    out.push(result('table_exists', t, 'exists', findTable(s, t) ? 'exists' : 'missing'));
  for (const t of e.tables_absent ?? [])
    out.push(result('table_absent', t, 'absent', findTable(s, t) ? 'exists' : 'absent'));
  for (const v of e.views_exist ?? [])
    out.push(result('view_exists', v, 'exists', findView(s, v) ? 'exists' : 'missing'));
  for (const c of e.columns_exist ?? []) {
    const dot = c.lastIndexOf('.');
    const rel =
      dot < 0 ? undefined : (findTable(s, c.slice(0, dot)) ?? findView(s, c.slice(0, dot)));
    const col = rel?.columns.find((x) => x.name === c.slice(dot + 1));
    out.push(
      result(
        'column_exists',
        c,
        'exists',
        col ? 'exists' : rel ? 'missing' : `relation ${c.slice(0, dot)} missing`,
        Boolean(col),
      ),
    );
  }
  for (const fk of e.foreign_keys ?? []) out.push(checkForeignKey(s, fk));
  for (const r of e.roles ?? [])
    out.push(result('role', r, 'exists', s.roles.some((x) => x.name === r) ? 'exists' : 'missing'));
  for (const g of e.grants ?? []) out.push(checkGrant(s, g));
  for (const [name, value] of Object.entries(e.settings ?? {})) {
    const found = s.settings.find((x) => x.role === null && x.name === name);
    out.push(result('setting', name, value, found ? found.value : null));
  }
  if (version) {
    const expected =
      version.expected === 'head' ? [...(version.heads ?? [])].sort() : [version.expected];
    const actual = version.actual === null ? 'no version table' : [...version.actual].sort();
    out.push(
      result(
        'version',
        version.expected === 'head' ? 'version = head' : `version = ${version.expected}`,
        expected,
        actual,
        version.expected === 'head' && version.atHead !== undefined ? version.atHead : undefined,
      ),
    );
  }
  return out;
}

import { sql } from 'kysely';
import type { CatalogDb } from './catalog-db.js';

/** The deploy-guard summary of one database. */
export interface AuditRecord {
  label: string;
  database: string;
  user: string;
  search_path: string;
  /** Table names per schema (non-system schemas), sorted. */
  tables: Record<string, string[]>;
  version_table: string;
  /** Rows of the version table; null when it does not exist. */
  version: string[] | null;
  generated_at: string;
}

/** Result of comparing two audits. */
export interface AuditComparison {
  diagnosis: 'OK' | 'MISMATCH' | 'MISSING';
  /** Tables present on only one side. */
  distance: number;
  max_distance: number;
  exceeds: boolean;
  only_in: Record<string, string[]>;
  /** The diagnosis line (`OK: …`, `MISMATCH: …`, `MISSING: …`). */
  message: string;
}

/** Current database, user, search_path and the tables per schema, in two queries. */
export async function auditIdentity(db: CatalogDb) {
  const [who, rows] = await Promise.all([
    db
      .selectNoFrom([
        sql<string>`pg_catalog.current_database()`.as('database'),
        sql<string>`current_user`.as('user'),
        sql<string>`pg_catalog.current_setting('search_path')`.as('search_path'),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('pg_catalog.pg_class as c')
      .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
      .select(['n.nspname as schema', 'c.relname as name'])
      .where('c.relkind', 'in', ['r', 'p'])
      .where('n.nspname', 'not in', ['pg_catalog', 'information_schema'])
      .where('n.nspname', 'not like', 'pg\\_toast%')
      .where('n.nspname', 'not like', 'pg\\_temp\\_%')
      .execute(),
  ]);
  const tables: Record<string, string[]> = {};
  for (const r of rows) (tables[r.schema] ??= []).push(r.name);
  for (const list of Object.values(tables)) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ...who, tables };
}

/** The summary text, close to the deploy-guard runbook's `<label>-summary.txt`. */
export function formatAuditSummary(a: AuditRecord): string {
  const schemas = Object.keys(a.tables).sort();
  const total = schemas.reduce((n, s) => n + (a.tables[s]?.length ?? 0), 0);
  const lines = [
    `runbook database audit - ${a.label}`,
    `Generated: ${a.generated_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
    '======================================',
    '',
    'DATABASE INFO:',
    'current_database    current_user',
    `${a.database.padEnd(20)}${a.user}`,
    '',
    'SEARCH PATH:',
    'search_path',
    a.search_path,
    '',
    `TABLES PER SCHEMA (${total} total):`,
    'table_schema        count',
    ...schemas.map((s) => `${s.padEnd(20)}${a.tables[s]?.length ?? 0}`),
  ];
  for (const s of schemas)
    lines.push('', `TABLES IN ${s.toUpperCase()} SCHEMA:`, 'table_name', ...(a.tables[s] ?? []));
  lines.push('', `VERSION (${a.version_table}):`);
  if (a.version === null) lines.push(`(no ${a.version_table} table)`);
  else lines.push('version_num', ...(a.version.length > 0 ? a.version : ['(empty)']));
  return lines.join('\n') + '\n';
}

function tableSet(a: AuditRecord): Set<string> {
  return new Set(Object.entries(a.tables).flatMap(([s, ts]) => ts.map((t) => `${s}.${t}`)));
}

/**
 * Compares two audits the way the deploy guard does: `MISSING` when either side has no version
 * table, `OK` when the versions and the table sets are equal, else `MISMATCH` with the schema
 * distance (tables present on one side only) and whether it exceeds `maxDistance`.
 */
export function compareAudits(a: AuditRecord, b: AuditRecord, maxDistance = 5): AuditComparison {
  const ta = tableSet(a);
  const tb = tableSet(b);
  const onlyA = [...ta].filter((t) => !tb.has(t)).sort();
  const onlyB = [...tb].filter((t) => !ta.has(t)).sort();
  const distance = onlyA.length + onlyB.length;
  const base = {
    distance,
    max_distance: maxDistance,
    exceeds: distance > maxDistance,
    only_in: { [a.label]: onlyA, [b.label]: onlyB },
  };
  const missing = [a, b].filter((x) => x.version === null).map((x) => x.label);
  if (missing.length > 0)
    return {
      ...base,
      diagnosis: 'MISSING',
      message: `MISSING: ${missing.join(' and ')} ha${missing.length > 1 ? 've' : 's'} no ${b.version_table} table (unstamped); schema distance ${distance}`,
    };
  const va = [...(a.version ?? [])].sort().join(',');
  const vb = [...(b.version ?? [])].sort().join(',');
  if (va === vb && distance === 0)
    return {
      ...base,
      diagnosis: 'OK',
      message: `OK: ${a.label} and ${b.label} at ${va || 'base'}, same ${ta.size} tables`,
    };
  return {
    ...base,
    diagnosis: 'MISMATCH',
    message:
      `MISMATCH: ${a.label} at ${va || 'base'}, ${b.label} at ${vb || 'base'}; schema distance ${distance} ` +
      `(${onlyA.length} only in ${a.label}, ${onlyB.length} only in ${b.label})` +
      (base.exceeds ? `, exceeds ${maxDistance}` : `, within ${maxDistance}`),
  };
}

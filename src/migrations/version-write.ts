import type pg from 'pg';
import { StepError } from '../errors.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionStatement,
  VersionTableAdapter,
  VersionWrite,
} from './types.js';

/** The error for a version-table statement `s` of `m` that affected `got` rows (null: unknown). */
function versionTableChanged(
  table: string,
  m: Migration,
  s: VersionStatement,
  got: number | null,
): StepError {
  return new StepError(
    'VERSION_TABLE_CHANGED',
    `${table} changed under the run: recording ${m.revision} affected ${got ?? 'no'} row(s), expected ${s.rowCount}`,
    {
      migration: m.revision,
      file: m.file,
      statement: s.sql,
      hint: 'the version table no longer held what the run last read from it: the migration itself or another session wrote it; inspect it, then resume',
    },
  );
}

/**
 * Throws `VERSION_TABLE_CHANGED` unless every statement of `write` affected the rows it had to
 * (`results` in statement order): a different count means the version table no longer held what
 * the run last read from it, i.e. someone else wrote it meanwhile. Call before COMMIT.
 */
export function checkVersionWrite(
  table: string,
  m: Migration,
  write: VersionWrite,
  results: readonly Pick<pg.QueryResult, 'rowCount'>[],
): void {
  write.statements.forEach((s, i) => {
    const got = results[i]?.rowCount ?? null;
    if (s.rowCount !== undefined && got !== s.rowCount) throw versionTableChanged(table, m, s, got);
  });
}

/** The SQLSTATE {@link guardedVersionSql} raises (class RB: implementation-defined, unused by PostgreSQL). */
const GUARD_SQLSTATE = 'RB001';

/** A dollar-quote tag that does not occur in `body`. */
function dollarTag(body: string): string {
  let tag = '$runbook_version$';
  for (let i = 1; body.includes(tag); i++) tag = `$runbook_version_${i}$`;
  return tag;
}

/**
 * `write` as SQL that checks itself, so that COMMIT can follow it in the same query: when some
 * statement must affect a given number of rows, all of them run in one PL/pgSQL block that raises
 * SQLSTATE RB001 (message `<statement index>:<rows>`) on a different count, which
 * {@link versionGuardFailure} turns back into `VERSION_TABLE_CHANGED`. Needs PL/pgSQL (see
 * {@link versionGuardAvailable}). Returns the SQL and how many results the server returns for it.
 */
export function guardedVersionSql(write: VersionWrite): { sql: string; results: number } {
  if (write.statements.every((s) => s.rowCount === undefined)) {
    return {
      sql: write.statements.map((s) => s.sql).join(';\n'),
      results: write.statements.length,
    };
  }
  const body = write.statements
    .map((s, i) =>
      s.rowCount === undefined
        ? `${s.sql};`
        : `${s.sql};\nGET DIAGNOSTICS runbook_rows = ROW_COUNT;\n` +
          `IF runbook_rows <> ${s.rowCount} THEN RAISE EXCEPTION USING ERRCODE = '${GUARD_SQLSTATE}', MESSAGE = '${i}:' || runbook_rows; END IF;`,
    )
    .join('\n');
  const tag = dollarTag(body);
  return { sql: `DO ${tag}DECLARE runbook_rows int8; BEGIN\n${body}\nEND${tag}`, results: 1 };
}

/** `VERSION_TABLE_CHANGED` when `err` is the guard of {@link guardedVersionSql} firing; else undefined. */
export function versionGuardFailure(
  err: unknown,
  table: string,
  m: Migration,
  write: VersionWrite,
): StepError | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const match = e?.code === GUARD_SQLSTATE && /^(\d+):(\d+)$/.exec(String(e.message));
  const s = match ? write.statements[Number(match[1])] : undefined;
  return s && match ? versionTableChanged(table, m, s, Number(match[2])) : undefined;
}

/** True when the connected role may run PL/pgSQL blocks, which {@link guardedVersionSql} needs. */
export async function versionGuardAvailable(client: Queryable): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_catalog.pg_language l
      WHERE l.lanname = 'plpgsql' AND pg_catalog.has_language_privilege(l.oid, 'USAGE')`,
  );
  return rows.length > 0;
}

/**
 * Records `m` as applied on its own (reads the table, writes, checks row counts): for a
 * migration run outside a transaction, and for `--skip`. Call inside a transaction.
 */
export async function recordApplied(
  vt: VersionTableAdapter,
  client: Queryable,
  m: Migration,
  graph: GraphView,
): Promise<string[]> {
  const write = vt.recordSql(m, graph, (await vt.read(client)) ?? []);
  const results: pg.QueryResult[] = [];
  for (const s of write.statements) results.push(await client.query(s.sql));
  checkVersionWrite(vt.table, m, write, results);
  return write.rows;
}

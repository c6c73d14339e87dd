import type pg from 'pg';
import { StepError } from '../engine/step-failure.js';
import type {
  GraphView,
  Migration,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from './types.js';

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
    if (s.rowCount !== undefined && got !== s.rowCount) {
      throw new StepError(
        'VERSION_TABLE_CHANGED',
        `${table} changed under the run: recording ${m.revision} affected ${got ?? 'no'} row(s), expected ${s.rowCount}`,
        {
          migration: m.revision,
          file: m.file,
          statement: s.sql,
          hint: 'another tool or session wrote the version table while this run held the migration lock; inspect it, then resume',
        },
      );
    }
  });
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

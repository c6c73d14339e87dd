import type pg from 'pg';
import { InvalidInputError } from '../errors.js';
import { parseRunRecord } from './run-record.js';
import { runIdTime } from './run-id.js';
import type { RunSummary } from './run-store.js';
import { runIdResolution } from './resolve-run-id.js';

/**
 * Every run of a PostgreSQL store, newest first (by start time, else the time in its id); a run
 * whose record does not parse is listed as `corrupt` with the problem, named by `recordAt(id)`.
 */
export async function listPgRuns(
  pool: pg.Pool,
  recordAt: (id: string) => string,
): Promise<RunSummary[]> {
  const { rows } = await pool.query<{ id: string; record: string }>(
    'SELECT id, record FROM runbook.runs',
  );
  const out = rows.map(({ id, record }) => {
    try {
      const r = parseRunRecord(record, recordAt(id), id);
      const summary: RunSummary = { id, status: r.status, record: r };
      return { summary, time: Date.parse(r.startedAt) };
    } catch (err) {
      const summary: RunSummary = { id, status: 'corrupt', problem: (err as Error).message };
      return { summary, time: runIdTime(id)?.getTime() ?? NaN };
    }
  });
  out.sort((a, b) => (b.time || 0) - (a.time || 0) || b.summary.id.localeCompare(a.summary.id));
  return out.map((r) => r.summary);
}

/** The id of every run of a PostgreSQL store, in no particular order (no record is read). */
export async function listPgRunIds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM runbook.runs');
  return rows.map((r) => r.id);
}

/** An exact id, a unique prefix, or `last` -> the run id, as every store resolves it. */
export async function resolvePgRun(
  pool: pg.Pool,
  idOrPrefix: string,
  shownUrl: string,
): Promise<string> {
  if (idOrPrefix === 'last') {
    const newest = (await listPgRuns(pool, (id) => id))[0];
    if (!newest) throw new InvalidInputError([{ message: `no runs in ${shownUrl}` }]);
    return newest.id;
  }
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM runbook.runs WHERE $1 <> '' AND starts_with(id, $1) ORDER BY id`,
    [idOrPrefix],
  );
  return runIdResolution(idOrPrefix, rows.map((r) => r.id));
}

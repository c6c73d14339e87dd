import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { ensureEmbeddedServer, releaseEmbeddedServer } from '../src/postgres/embedded.js';
import { withDatabase } from '../src/postgres/url.js';
import { createActionContext } from './support/action-context.js';
import { stepErrorOf } from './support/scratch-databases.js';

// Migrations commit without waiting for the WAL flush; the step makes them durable before it
// reports its outcome. Measured on a server of this file's own, whose WAL writer is held back
// (10 s) and whose autovacuum is off, so nothing else flushes the WAL meanwhile: right after the
// step returns, the server's flushed WAL position must be past every migration's commit (each
// migration logs, from a deferred trigger that runs at its COMMIT, the WAL position just before
// its commit record).

let dir: string;
let url: string;
const work: string[] = [];

async function query<R extends pg.QueryResultRow>(db: string, sql: string): Promise<R[]> {
  const c = new pg.Client(withDatabase(url, db));
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-flush-pg-'));
  url = (await ensureEmbeddedServer(dir)).url;
  for (const sql of [
    "ALTER SYSTEM SET wal_writer_delay = '10s'",
    "ALTER SYSTEM SET wal_writer_flush_after = '1GB'",
    'ALTER SYSTEM SET autovacuum = off',
    'SELECT pg_reload_conf()',
  ])
    await query('postgres', sql);
}, 180_000);
afterAll(async () => {
  if (dir) await releaseEmbeddedServer(dir);
  for (const d of [dir, ...work]) if (d) await rm(d, { recursive: true, force: true });
}, 60_000);

const COMMIT_LSN = `CREATE TABLE commit_lsn (rev text, lsn pg_lsn);
CREATE TABLE marks (rev text);
CREATE FUNCTION log_lsn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commit_lsn VALUES (NEW.rev, pg_current_wal_insert_lsn());
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON marks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION log_lsn();
INSERT INTO marks VALUES ('001');
`;

async function history(files: [string, string][]): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'runbook-flush-'));
  work.push(d);
  let prev = '';
  for (const [rev, sql] of files) {
    await writeFile(
      path.join(d, `${rev}.sql`),
      `-- revision: ${rev}\n-- down_revision: ${prev}\n${sql}`,
    );
    prev = rev;
  }
  return d;
}

/** The flushed WAL position is past the last migration's commit (pg_lsn compared by the server). */
async function flushedPastCommits(db: string): Promise<{ commits: number; durable: boolean }> {
  const [row] = await query<{ commits: number; durable: boolean }>(
    db,
    `SELECT count(*)::int AS commits, pg_current_wal_flush_lsn() > max(lsn) AS durable FROM commit_lsn`,
  );
  return row!;
}

describe('the step\u2019s WAL flush', () => {
  it('makes every migration durable before the step succeeds', async () => {
    await query('postgres', 'CREATE DATABASE flush_ok');
    const source = await history([
      ['001', COMMIT_LSN],
      ['002', "INSERT INTO marks VALUES ('002');"],
      ['003', "INSERT INTO marks VALUES ('003');"],
    ]);
    const t = await createActionContext({ url });
    try {
      await migrationsUpgrade.run(t.ctx, { source, database: 'flush_ok', target: 'head' });
    } finally {
      await t.dispose();
    }
    expect(await flushedPastCommits('flush_ok')).toEqual({ commits: 3, durable: true });
  });

  it('makes the migrations before a failing one durable before the step fails', async () => {
    await query('postgres', 'CREATE DATABASE flush_failed');
    const source = await history([
      ['001', COMMIT_LSN],
      ['002', "INSERT INTO marks VALUES ('002');"],
      ['003', 'SELECT 1/0;'],
    ]);
    const t = await createActionContext({ url });
    try {
      const err = await stepErrorOf(
        migrationsUpgrade.run(t.ctx, { source, database: 'flush_failed', target: 'head' }),
      );
      expect(err.code).toBe('22012');
    } finally {
      await t.dispose();
    }
    expect(await flushedPastCommits('flush_failed')).toEqual({ commits: 2, durable: true });
  });
});

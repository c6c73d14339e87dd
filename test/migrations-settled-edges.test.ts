import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsUpgrade } from '../src/actions/migrations-upgrade.js';
import { Connections } from '../src/postgres/connections.js';
import { withDatabase } from '../src/postgres/url.js';
import { createActionContext } from './support/action-context.js';
import { scratchDatabases, stepErrorOf } from './support/scratch-databases.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let conns: Connections;
const scratch = scratchDatabases(() => db);
const q = scratch.query;

beforeAll(async () => {
  db = await createTestDatabase('review2_settled');
  conns = new Connections(db.adminUrl);
});
afterAll(async () => {
  await conns.end();
  await db.drop();
});

const header = (rev: string, down: string, extra = ''): string =>
  `-- revision: ${rev}\n-- down_revision: ${down}\n${extra}`;

async function waitFor(d: string, sql: string): Promise<void> {
  for (let i = 0; (await q(d, sql)).rows.length === 0; i++) {
    if (i > 600) throw new Error(`never: ${sql}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts an upgrade of `dir` on a fresh database and returns once its r2 (whose first statement
 * is `SELECT pg_sleep(1)`) runs: the database, the action context and the step's failure to come.
 */
async function upgradeUntilSleeping(dir: string) {
  const d = await scratch.fresh();
  const t = await createActionContext({ url: db.adminUrl, db: conns });
  const running = stepErrorOf(
    migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' }),
  );
  await waitFor(
    d,
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()`,
  );
  return { d, t, running };
}

// Edges of the `settled` marker (see reconcileUnrecorded, design.md "Durability"): an attempt must
// not vouch for its record while a migration it ran may have committed unlogged, and deciding must
// not hold the step open.

describe('VERSION_TABLE_CHANGED after a non-transactional migration ran', () => {
  it('does not settle: the run\u2019s own migration committed, and is taken for the run\u2019s on resume', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-settled-'));
    await writeFile(path.join(dir, '001.sql'), header('r1', '') + 'CREATE TABLE a (v int);\n');
    await writeFile(
      path.join(dir, '002.sql'),
      header('r2', 'r1', '-- transaction: false\n') +
        'SELECT pg_sleep(1);\nCREATE TABLE b_by_run (v int);\n',
    );
    const { d, t, running } = await upgradeUntilSleeping(dir);
    // Another tool stamps r2 (only the version row) while the run's r2 runs; it holds the row
    // until the run's version write waits on it.
    const other = new pg.Client({ connectionString: withDatabase(db.adminUrl, d) });
    await other.connect();
    await other.query(
      `BEGIN; UPDATE alembic_version SET version_num = 'r2' WHERE version_num = 'r1'`,
    );
    await waitFor(
      d,
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%alembic_version%'`,
    );
    await other.query('COMMIT');
    await other.end();
    const err = await running;
    expect(err.code).toBe('VERSION_TABLE_CHANGED');
    // The run's r2 committed (non-transactional): the attempt does not vouch for its record.
    expect((await q(d, `SELECT to_regclass('b_by_run')::text AS t`)).rows[0].t).toBe('b_by_run');
    expect(t.checkpoint()).toMatchObject({ inflight: { revision: 'r2' } });
    expect(t.checkpoint()).not.toHaveProperty('settled');
    t.ctx.attempt.number = 2;
    await migrationsUpgrade.run(t.ctx, { source: dir, database: d, target: 'head' });
    const reconciled = t.events.find((e) => e.type === 'migration.reconciled');
    expect(reconciled?.data).toMatchObject({ revision: 'r2' });
    expect(reconciled?.data).not.toHaveProperty('applied_outside_run');
    await t.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('the settled check reads the version table at step end', () => {
  it('gives up after a moment when another session locks the table: the step ends, unsettled', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-settled-'));
    await writeFile(
      path.join(dir, '001.sql'),
      header('r1', '') + 'SET lock_timeout = 0;\nCREATE TABLE a (v int);\n',
    );
    await writeFile(
      path.join(dir, '002.sql'),
      header('r2', 'r1') + 'SELECT pg_sleep(1);\nSELECT * FROM missing;\n',
    );
    const { d, t, running } = await upgradeUntilSleeping(dir);
    // Another session locks the version table (a backup, another tool's DDL) while r2 runs, and
    // keeps it until the step has ended.
    const other = new pg.Client({ connectionString: withDatabase(db.adminUrl, d) });
    await other.connect();
    try {
      await other.query('BEGIN; LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE');
      const err = await running;
      expect(err.code).toBe('42P01');
      // It could not tell what the table holds: it does not vouch for its record.
      expect(t.checkpoint()).not.toHaveProperty('settled');
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    await t.dispose();
    await rm(dir, { recursive: true, force: true });
  }, 30000);
});

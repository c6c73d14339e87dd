import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseCreate } from '../src/actions/database-create.js';
import { databaseDrop } from '../src/actions/database-drop.js';
import { databaseRecreate } from '../src/actions/database-recreate.js';
import { StepError } from '../src/errors.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
const open: TestActionContext[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase('actions_database');
});
afterAll(async () => {
  for (const t of open) await t.dispose();
  await tdb?.drop();
});

async function context(checkpoint?: pg.QueryResultRow): Promise<TestActionContext> {
  const t = await createActionContext({ url: tdb.adminUrl, ...(checkpoint ? { checkpoint } : {}) });
  open.push(t);
  return t;
}

async function exists(name: string): Promise<boolean> {
  const r = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return r.rowCount === 1;
}

async function failure(p: Promise<unknown>): Promise<StepError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

describe('database.create / database.drop', () => {
  it('creates and drops a database whose name holds quotes, a semicolon and unicode', async () => {
    const name = `${tdb.name}_we"ird; db ü`;
    const { ctx } = await context();
    const created = await databaseCreate.run(ctx, databaseCreate.params.parse({ name }));
    expect(created.output).toEqual({ database: name, created: true });
    expect(await exists(name)).toBe(true);

    // Re-invoked (same step, its checkpoint mark): still reports its own creation.
    const rerun = await databaseCreate.run(ctx, databaseCreate.params.parse({ name }));
    expect(rerun.output).toEqual({ database: name, created: true });
    // Another step finds it there: a no-op.
    const again = await databaseCreate.run(
      (await context()).ctx,
      databaseCreate.params.parse({ name }),
    );
    expect(again.output).toEqual({ database: name, created: false });
    expect(again.summary).toContain('already exists');

    const dropped = await databaseDrop.run(
      (await context()).ctx,
      databaseDrop.params.parse({ name }),
    );
    expect(dropped.output).toMatchObject({ database: name, dropped: true });
    expect(await exists(name)).toBe(false);
    const twice = await databaseDrop.run(
      (await context()).ctx,
      databaseDrop.params.parse({ name }),
    );
    expect(twice.output).toMatchObject({ dropped: false });
  });

  it('honours template and encoding, and if_not_exists: false', async () => {
    const name = `${tdb.name}_tmpl`;
    const { ctx } = await context();
    await databaseCreate.run(
      ctx,
      databaseCreate.params.parse({ name, template: 'template0', encoding: 'SQL_ASCII' }),
    );
    const r = await adminQuery<{ enc: string }>(
      'SELECT pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = $1',
      [name],
    );
    expect(r.rows).toEqual([{ enc: 'SQL_ASCII' }]);
    const err = await failure(
      databaseCreate.run(
        (await context()).ctx,
        databaseCreate.params.parse({ name, if_not_exists: false }),
      ),
    );
    expect(err.code).toBe('42P04');
    // A database this step created before a crash is recognised on re-run.
    const resumed = await databaseCreate.run(
      (await context({ creating: name })).ctx,
      databaseCreate.params.parse({ name, if_not_exists: false }),
    );
    expect(resumed.output).toEqual({ database: name, created: true });
  });

  it('refuses to drop the maintenance database and reports a missing one when asked', async () => {
    const { ctx } = await context();
    const maint = ctx.db.maintenanceDatabase;
    const err = await failure(databaseDrop.run(ctx, databaseDrop.params.parse({ name: maint })));
    expect(err.code).toBe('MAINTENANCE_DATABASE');
    expect(await exists(maint)).toBe(true);
    const missing = await failure(
      databaseDrop.run(
        ctx,
        databaseDrop.params.parse({ name: `${tdb.name}_nope`, if_exists: false }),
      ),
    );
    expect(missing.code).toBe('3D000');
  });

  it('fails on other sessions unless terminate_connections, which ends them', async () => {
    const name = `${tdb.name}_busy`;
    await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
    const other = new pg.Client(withDatabase(tdb.adminUrl, name));
    await other.connect();
    other.on('error', () => undefined);
    try {
      const err = await failure(
        databaseDrop.run((await context()).ctx, databaseDrop.params.parse({ name })),
      );
      expect(err.code).toBe('55006');
      expect(err.fields.hint).toContain('terminate_connections: true');
      expect(await exists(name)).toBe(true);

      const t = await context();
      // Our own pool on it is closed first, so it does not block the drop either.
      await t.ctx.db.pool(name).query('SELECT 1');
      const res = await databaseDrop.run(
        t.ctx,
        databaseDrop.params.parse({ name, terminate_connections: true }),
      );
      expect(res.output).toMatchObject({ dropped: true });
      expect(Number(res.output?.terminated)).toBeGreaterThanOrEqual(1);
      expect(await exists(name)).toBe(false);
      await expect(other.query('SELECT 1')).rejects.toThrow();
    } finally {
      await other.end().catch(() => undefined);
    }
  });

  it('rejects names PostgreSQL would truncate, and unknown keys', () => {
    expect(databaseCreate.params.safeParse({ name: 'x'.repeat(64) }).success).toBe(false);
    expect(databaseCreate.params.safeParse({ name: 'ü'.repeat(32) }).success).toBe(false);
    expect(databaseCreate.params.safeParse({ name: 'ok', ownr: 'x' }).success).toBe(false);
  });
});

describe('database.recreate', () => {
  it('leaves an empty fresh database, dropping the old one', async () => {
    const name = `${tdb.name}_re"create ü`;
    await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
    const c = new pg.Client(withDatabase(tdb.adminUrl, name));
    await c.connect();
    await c.query('CREATE TABLE leftover (id int)');
    await c.end();

    const t = await context();
    const res = await databaseRecreate.run(
      t.ctx,
      databaseRecreate.params.parse({ name, terminate_connections: true }),
    );
    expect(res.output).toEqual({ database: name, dropped: true, created: true });
    expect(t.checkpoint()).toEqual({ dropped: true });
    const tables = await t.ctx.db
      .pool(name)
      .query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows).toEqual([{ n: 0 }]);
  });

  it('re-run after a crash between drop and create still ends with a fresh database', async () => {
    const name = `${tdb.name}_crash`;
    // The crashed attempt had dropped it and checkpointed that; the database is now absent.
    expect(await exists(name)).toBe(false);
    const t = await context({ dropped: true });
    const res = await databaseRecreate.run(t.ctx, databaseRecreate.params.parse({ name }));
    expect(res.output).toEqual({ database: name, dropped: true, created: true });
    expect(await exists(name)).toBe(true);
    // And a re-run after create (crash before the step was recorded done) is fresh again.
    await t.ctx.db.pool(name).query('CREATE TABLE half_done (id int)');
    const again = await databaseRecreate.run(
      t.ctx,
      databaseRecreate.params.parse({ name, terminate_connections: true }),
    );
    expect(again.output).toEqual({ database: name, dropped: true, created: true });
    const tables = await t.ctx.db
      .pool(name)
      .query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows).toEqual([{ n: 0 }]);
  });

  it('reports dropped: false when there was nothing to drop', async () => {
    const name = `${tdb.name}_fresh`;
    const res = await databaseRecreate.run(
      (await context()).ctx,
      databaseRecreate.params.parse({ name }),
    );
    expect(res.output).toEqual({ database: name, dropped: false, created: true });
    expect(await exists(name)).toBe(true);
  });
});

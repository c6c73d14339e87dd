import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseGrant } from '../src/actions/database-grant.js';
import { databaseSettings } from '../src/actions/database-settings.js';
import { rolesEnsure } from '../src/actions/roles-ensure.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import {
  adminQuery,
  createTestDatabase,
  uniqueName,
  type TestDatabase,
} from './support/database.js';

let db: TestDatabase;
let t: TestActionContext;
const roles = [uniqueName('app_rw'), `${uniqueName('ro')} "q"; ü`];

beforeAll(async () => {
  db = await createTestDatabase('actions_bootstrap');
  t = await createActionContext({ url: db.adminUrl });
});
afterAll(async () => {
  await t?.dispose();
  await db?.drop();
  for (const r of roles)
    await adminQuery(`DROP ROLE IF EXISTS "${r.replaceAll('"', '""')}"`).catch(() => undefined);
});

describe('roles.ensure / database.grant / database.settings', () => {
  it('creates missing roles once, then reports them as existing', async () => {
    const first = await rolesEnsure.run(t.ctx, rolesEnsure.params.parse({ roles }));
    expect(first.output).toEqual({ created: roles, existing: [] });
    const second = await rolesEnsure.run(t.ctx, rolesEnsure.params.parse({ roles }));
    expect(second.output).toEqual({ created: [], existing: roles });
    const { rows } = await adminQuery<{ rolname: string; rolcanlogin: boolean }>(
      'SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
      [roles],
    );
    expect(rows.map((r) => r.rolname).sort()).toEqual([...roles].sort());
    expect(rows.every((r) => !r.rolcanlogin)).toBe(true);
  });

  it('grants database and schema privileges that the catalog then shows', async () => {
    const p = databaseGrant.params.parse({
      database: db.name,
      grants: [
        {
          role: roles[0],
          database: ['CONNECT', 'TEMPORARY'],
          schema_privileges: ['USAGE'],
          default_table_privileges: ['SELECT'],
        },
      ],
    });
    await databaseGrant.run(t.ctx, p);
    await databaseGrant.run(t.ctx, p); // idempotent
    const { rows } = await db.query<{ c: boolean; u: boolean }>(
      `SELECT has_database_privilege($1, current_database(), 'CONNECT') AS c, has_schema_privilege($1, 'public', 'USAGE') AS u`,
      [roles[0]],
    );
    expect(rows[0]).toEqual({ c: true, u: true });
  });

  it('sets a custom GUC on the database, idempotently', async () => {
    const p = databaseSettings.params.parse({
      database: db.name,
      settings: { 'app.current_tenant_id': '00000000-0000-0000-0000-000000000000' },
    });
    expect((await databaseSettings.run(t.ctx, p)).output).toEqual({
      changed: ['app.current_tenant_id'],
      unchanged: [],
    });
    expect((await databaseSettings.run(t.ctx, p)).output).toEqual({
      changed: [],
      unchanged: ['app.current_tenant_id'],
    });
    const { rows } = await db.query<{ v: string }>(
      `SELECT current_setting('app.current_tenant_id') AS v`,
    );
    expect(rows[0]?.v).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('rejects a setting name that is not a dotted identifier before anything runs', () => {
    expect(
      databaseSettings.params.safeParse({ database: 'x', settings: { 'a; DROP': 1 } }).success,
    ).toBe(false);
  });
});

describe('database.settings and pooled sessions', () => {
  it('later steps on the same Connections see the new setting (pooled sessions are retired)', async () => {
    const before = await t.ctx.db
      .pool(db.name)
      .query(`SELECT current_setting('app.pool_probe', true) AS v`);
    expect(before.rows[0]?.v ?? null).toBeNull();
    await databaseSettings.run(
      t.ctx,
      databaseSettings.params.parse({ database: db.name, settings: { 'app.pool_probe': 'on' } }),
    );
    const after = await t.ctx.db
      .pool(db.name)
      .query(`SELECT current_setting('app.pool_probe', true) AS v`);
    expect(after.rows[0]?.v).toBe('on');
  });
});

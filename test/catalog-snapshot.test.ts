import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffCatalogs } from '../src/catalog/diff-catalogs.js';
import { formatDiff } from '../src/catalog/format-diff.js';
import { snapshotCatalog } from '../src/catalog/snapshot-catalog.js';
import { Connections } from '../src/postgres/connections.js';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/database.js';

const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    tenant_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
    CONSTRAINT email_has_at CHECK (position('@' in email) > 0)
  );
  CREATE TABLE app.orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES app.customers(id) ON DELETE CASCADE,
    amount integer NOT NULL,
    status varchar(30) DEFAULT 'new',
    note text
  );
  CREATE INDEX orders_open_idx ON app.orders (customer_id) WHERE status = 'new';
  CREATE VIEW app.open_orders AS SELECT id, amount FROM app.orders WHERE status = 'new';
  CREATE MATERIALIZED VIEW app.order_totals AS SELECT customer_id, sum(amount) AS total FROM app.orders GROUP BY customer_id;
  CREATE SEQUENCE app.invoice_no START 1000 INCREMENT 5;
  CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
  ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
  ALTER TABLE app.customers FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant_isolation ON app.customers USING (tenant_id = current_setting('app.current_tenant_id', true)::uuid);
  DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'catalog_test_ro') THEN CREATE ROLE catalog_test_ro NOLOGIN; END IF; END $$;
  GRANT USAGE ON SCHEMA app TO catalog_test_ro;
  GRANT SELECT ON app.orders TO catalog_test_ro;
  CREATE TABLE public.alembic_version (version_num varchar(128) PRIMARY KEY);
`;

let db: TestDatabase;
let conn: Connections;
let other: string;

beforeAll(async () => {
  db = await createTestDatabase('catalog_snapshot');
  conn = new Connections(db.adminUrl);
  await db.query(SCHEMA);
  await db.query(
    `ALTER DATABASE "${db.name}" SET app.current_tenant_id = '00000000-0000-0000-0000-000000000000'`,
  );
  other = `${db.name}_b`;
  await conn.pool().query(`CREATE DATABASE "${other}"`);
});
afterAll(async () => {
  await conn?.end();
  await db?.drop();
});

describe('snapshotCatalog', () => {
  it('captures every object kind and survives a JSON round trip', async () => {
    const s = await snapshotCatalog(conn.pool(db.name));
    expect(s.database).toBe(db.name);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.schemas.map((x) => x.name)).toEqual(['app', 'public']);
    expect(s.schemas.find((x) => x.name === 'app')?.grants).toContainEqual({
      grantee: 'catalog_test_ro',
      privilege: 'USAGE',
      grantable: false,
    });

    const customers = s.tables.find((t) => t.name === 'customers');
    expect(customers).toMatchObject({ schema: 'app', rls_enabled: true, rls_forced: true });
    const cols = Object.fromEntries((customers?.columns ?? []).map((c) => [c.name, c]));
    expect(cols.id).toMatchObject({
      type: 'bigint',
      identity: 'always',
      nullable: false,
      position: 1,
    });
    expect(cols.created_at).toMatchObject({ type: 'timestamp with time zone', default: 'now()' });
    expect(cols.email_lower?.generated).toBe('lower(email)');
    expect(cols.email_lower?.default).toBeNull();
    expect(customers?.policies[0]).toMatchObject({
      name: 'tenant_isolation',
      command: 'ALL',
      roles: ['public'],
    });
    expect(customers?.constraints.map((k) => [k.name, k.type])).toEqual([
      ['customers_email_key', 'unique'],
      ['customers_pkey', 'primary key'],
      ['email_has_at', 'check'],
    ]);

    const orders = s.tables.find((t) => t.name === 'orders');
    const fk = orders?.constraints.find((k) => k.type === 'foreign key');
    expect(fk).toMatchObject({
      columns: ['customer_id'],
      references: { schema: 'app', table: 'customers', columns: ['id'] },
      on_delete: 'CASCADE',
      on_update: 'NO ACTION',
    });
    expect(orders?.columns.find((c) => c.name === 'status')?.type).toBe('character varying(30)');
    const partial = orders?.indexes.find((i) => i.name === 'orders_open_idx');
    expect(partial).toMatchObject({ unique: false, predicate: "((status)::text = 'new'::text)" });
    expect(partial?.shape).toBe(
      " ON app.orders USING btree (customer_id) WHERE ((status)::text = 'new'::text)",
    );
    expect(orders?.triggers.map((t) => t.name)).toEqual(['orders_touch']);
    expect(orders?.grants).toEqual([
      { grantee: 'catalog_test_ro', privilege: 'SELECT', grantable: false },
    ]);

    expect(s.views.map((v) => [v.name, v.materialized])).toEqual([
      ['open_orders', false],
      ['order_totals', true],
    ]);
    expect(s.views[0]?.definition).toContain('FROM app.orders');
    expect(s.sequences.find((q) => q.name === 'invoice_no')).toMatchObject({
      start: '1000',
      increment: '5',
      owned_by: null,
    });
    expect(s.sequences.find((q) => q.name === 'orders_id_seq')?.owned_by).toBe('app.orders.id');
    expect(s.functions.map((f) => f.signature)).toEqual(['touch()']);
    expect(s.roles.map((r) => r.name)).toContain('catalog_test_ro');
    expect(s.roles.some((r) => r.name.startsWith('pg_'))).toBe(false);
    expect(s.settings).toEqual([
      { role: null, name: 'app.current_tenant_id', value: '00000000-0000-0000-0000-000000000000' },
    ]);
    expect(s.extensions.map((e) => e.name)).toContain('plpgsql');
  });

  it('limits and excludes schemas, never including system ones', async () => {
    const only = await snapshotCatalog(conn.pool(db.name), { schemas: ['public'] });
    expect(only.tables.map((t) => t.name)).toEqual(['alembic_version']);
    const excl = await snapshotCatalog(conn.pool(db.name), { excludeSchemas: ['public'] });
    expect(excl.schemas.map((x) => x.name)).toEqual(['app']);
    expect(
      excl.tables.some((t) => t.schema.startsWith('pg_') || t.schema === 'information_schema'),
    ).toBe(false);
  });
});

describe('diffCatalogs', () => {
  it('reports equal databases as equal', async () => {
    await conn.pool(other).query(SCHEMA);
    await conn
      .pool(other)
      .query(
        `ALTER DATABASE "${other}" SET app.current_tenant_id = '00000000-0000-0000-0000-000000000000'`,
      );
    const a = await snapshotCatalog(conn.pool(db.name), { schemas: ['app'] });
    const b = await snapshotCatalog(conn.pool(other), { schemas: ['app'] });
    // Roles are server-wide: a test file running alongside may create one between the two
    // snapshots. Both sides must see the same role list for the comparison to be about databases.
    b.roles = a.roles;
    const diff = diffCatalogs(a, b);
    expect(diff.objects).toEqual([]);
    expect(diff.equal).toBe(true);
    expect(formatDiff(diff)).toContain('equal');
  });

  it('names a column type, a missing index, an FK action and a view definition', async () => {
    const b = conn.pool(other);
    await b.query(`ALTER TABLE app.orders ALTER COLUMN note TYPE varchar(200)`);
    await b.query(`DROP INDEX app.orders_open_idx`);
    await b.query(`ALTER TABLE app.orders DROP CONSTRAINT orders_customer_id_fkey,
      ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES app.customers(id) ON DELETE RESTRICT`);
    await b.query(
      `CREATE OR REPLACE VIEW app.open_orders AS SELECT id, amount FROM app.orders WHERE status = 'open'`,
    );
    const left = await snapshotCatalog(conn.pool(db.name), { schemas: ['app'] });
    const right = await snapshotCatalog(b, { schemas: ['app'] });
    const diff = diffCatalogs(left, right);
    expect(diff.equal).toBe(false);
    const orders = diff.objects.find((o) => o.name === 'app.orders');
    expect(orders?.changes).toEqual(
      expect.arrayContaining([
        {
          part: 'column',
          name: 'note',
          status: 'changed',
          field: 'type',
          left: 'text',
          right: 'character varying(200)',
        },
        { part: 'index', name: 'orders_open_idx', status: 'only-left' },
        {
          part: 'constraint',
          name: 'orders_customer_id_fkey',
          status: 'changed',
          field: 'on_delete',
          left: 'CASCADE',
          right: 'RESTRICT',
        },
      ]),
    );
    expect(orders?.changes).toHaveLength(3);
    const view = diff.objects.find((o) => o.name === 'app.open_orders');
    expect(view).toMatchObject({ kind: 'view', status: 'changed' });
    expect(view?.changes[0]).toMatchObject({ part: 'property', field: 'definition' });
    const text = formatDiff(diff);
    expect(text).toContain('column note: type:');
    expect(text).toContain('index orders_open_idx: only in');
    expect(text).toContain('constraint orders_customer_id_fkey: on_delete:');
  });

  it('names an enum label and a domain CHECK that differ, not only the type a column has', async () => {
    const types = (labels: string, check: string) => `
      CREATE SCHEMA kinds;
      CREATE TYPE kinds.mood AS ENUM (${labels});
      CREATE DOMAIN kinds.posint AS integer ${check} DEFAULT 1;
      CREATE TABLE kinds.person (m kinds.mood, n kinds.posint);`;
    const [x, y] = ['tx', 'ty'].map((t) => uniqueName(`${db.name}_${t}`).slice(0, 60));
    for (const [name, sql] of [
      [x, types("'happy', 'sad', 'angry'", 'NOT NULL CHECK (VALUE > 0)')],
      [y, types("'happy', 'sad'", '')],
    ] as const) {
      await conn.pool().query(`CREATE DATABASE "${name}"`);
      await conn.pool(name).query(sql);
    }
    const left = await snapshotCatalog(conn.pool(x), { schemas: ['kinds'] });
    const right = await snapshotCatalog(conn.pool(y), { schemas: ['kinds'] });
    expect(left.types).toEqual([
      {
        schema: 'kinds',
        name: 'mood',
        kind: 'enum',
        labels: ['happy', 'sad', 'angry'],
        base: null,
        not_null: false,
        default: null,
        checks: [],
      },
      {
        schema: 'kinds',
        name: 'posint',
        kind: 'domain',
        labels: [],
        base: 'integer',
        not_null: true,
        default: '1',
        checks: ['CHECK ((VALUE > 0))'],
      },
    ]);
    const diff = diffCatalogs(left, right);
    expect(diff.equal).toBe(false);
    expect(diff.objects).toEqual([
      {
        kind: 'enum',
        name: 'kinds.mood',
        status: 'changed',
        changes: [
          {
            part: 'property',
            status: 'changed',
            field: 'labels',
            left: ['happy', 'sad', 'angry'],
            right: ['happy', 'sad'],
          },
        ],
      },
      {
        kind: 'domain',
        name: 'kinds.posint',
        status: 'changed',
        changes: [
          { part: 'property', status: 'changed', field: 'not_null', left: true, right: false },
          {
            part: 'property',
            status: 'changed',
            field: 'checks',
            left: ['CHECK ((VALUE > 0))'],
            right: [],
          },
        ],
      },
    ]);
    expect(formatDiff(diff)).toContain('enum kinds.mood');
    // A snapshot saved before types were recorded compares without them.
    const { types: _, ...older } = left;
    expect(diffCatalogs(older, { ...left }).equal).toBe(true);
    for (const name of [x, y]) await conn.pool().query(`DROP DATABASE "${name}" WITH (FORCE)`);
  });

  it('ignores generated constraint names, column order and named tables when asked', async () => {
    const x = uniqueName(`${db.name}_x`).slice(0, 60);
    const y = uniqueName(`${db.name}_y`).slice(0, 60);
    await conn.pool().query(`CREATE DATABASE "${x}"`);
    await conn.pool().query(`CREATE DATABASE "${y}"`);
    try {
      await conn
        .pool(x)
        .query(
          `CREATE TABLE t (a int, b int UNIQUE, CHECK (a > 0)); CREATE TABLE alembic_version (v text)`,
        );
      await conn
        .pool(y)
        .query(
          `CREATE TABLE t (b int, a int, CHECK (a > 0)); ALTER TABLE t ADD CONSTRAINT t_b_key1 UNIQUE (b)`,
        );
      const a = await snapshotCatalog(conn.pool(x), { schemas: ['public'] });
      const b = await snapshotCatalog(conn.pool(y), { schemas: ['public'] });
      const strict = diffCatalogs(a, b);
      expect(strict.objects.map((o) => o.name)).toEqual(['public.alembic_version', 'public.t']);
      const loose = diffCatalogs(a, b, {
        ignoreGeneratedConstraintNames: true,
        ignoreColumnOrder: true,
        ignoreTables: ['alembic_version'],
      });
      expect(loose.objects).toEqual([]);
      expect(loose.equal).toBe(true);
    } finally {
      await conn.close(x);
      await conn.close(y);
      await conn.pool().query(`DROP DATABASE "${x}" WITH (FORCE)`);
      await conn.pool().query(`DROP DATABASE "${y}" WITH (FORCE)`);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIntegers, integers } from '../src/catalog/packed.js';
import { identifierQuoter } from '../src/postgres/quote.js';
import { snapshotCatalog } from '../src/catalog/snapshot-catalog.js';
import type { CatalogSnapshot } from '../src/catalog/snapshot-types.js';
import { Connections } from '../src/postgres/connections.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// The snapshot rebuilds index, key and type text from catalog columns instead of asking the
// server per object (see src/catalog/index-definitions.ts); every rebuilt string must be exactly
// what the server's own functions print, whatever the shape.
const FIXTURE = [
  `CREATE SCHEMA app`,
  `CREATE SCHEMA "Odd Schema"`,
  `CREATE SCHEMA "user"`,
  `CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE DOMAIN app.posint AS integer CHECK (VALUE > 0)`,
  `CREATE TABLE app.t (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    s serial,
    "Order" text NOT NULL DEFAULT 'x',
    "select" varchar(40) DEFAULT 'a',
    "user" int DEFAULT 42,
    "weird""name" text,
    v varchar(200), c char(3), n numeric(12,2) DEFAULT 0.5, arr int[] DEFAULT '{1,2}',
    ts timestamptz DEFAULT CURRENT_TIMESTAMP, ts3 timestamp(3) DEFAULT LOCALTIMESTAMP(3),
    iv interval DEFAULT '1 day', m app.mood DEFAULT 'ok', p app.posint, r tsrange, o oid,
    nm name, u uuid DEFAULT gen_random_uuid(), j jsonb DEFAULT '{}',
    g1 text GENERATED ALWAYS AS (upper("Order")) STORED,
    cu text COLLATE "C", ip inet, ci cidr, dropme int,
    CONSTRAINT chk CHECK (n >= 0) NOT VALID,
    CONSTRAINT uq UNIQUE (v, c),
    CONSTRAINT uq3 UNIQUE (s) INCLUDE (c) DEFERRABLE,
    CONSTRAINT ex EXCLUDE USING gist (r WITH &&)
  )`,
  `CREATE INDEX ON app.t (v)`,
  `CREATE INDEX ON app.t ("Order" DESC)`,
  `CREATE INDEX ON app.t ("Order" DESC NULLS LAST, "select" NULLS FIRST, "user" ASC NULLS LAST)`,
  `CREATE INDEX ON app.t ("user") INCLUDE ("Order", "weird""name")`,
  `CREATE INDEX t_orders ON app.t ("user" NULLS FIRST, id DESC, n DESC NULLS LAST, u)`,
  `CREATE INDEX t_lower ON app.t (lower("Order"))`,
  `CREATE INDEX t_expr ON app.t (("user" + 1), v)`,
  `CREATE INDEX t_pattern ON app.t (v varchar_pattern_ops)`,
  `CREATE INDEX t_pattern2 ON app.t ("Order" text_pattern_ops)`,
  `CREATE INDEX t_coll ON app.t ("Order" COLLATE "C")`,
  `CREATE INDEX t_coll2 ON app.t (cu COLLATE "C")`,
  `CREATE INDEX t_coll3 ON app.t (cu COLLATE "POSIX")`,
  `CREATE INDEX t_ff ON app.t (n) WITH (fillfactor = 70)`,
  `CREATE INDEX t_hash ON app.t USING hash ("user")`,
  `CREATE INDEX t_brin ON app.t USING brin (ts)`,
  `CREATE INDEX t_gin ON app.t USING gin (arr)`,
  `CREATE INDEX t_gin2 ON app.t USING gin (j jsonb_path_ops)`,
  `CREATE INDEX t_gist ON app.t USING gist (r)`,
  `CREATE INDEX t_enum ON app.t (m)`,
  `CREATE INDEX t_dom ON app.t (p)`,
  `CREATE INDEX t_oid ON app.t (o)`,
  `CREATE INDEX t_name ON app.t (nm)`,
  `CREATE INDEX t_arr ON app.t (arr)`,
  `CREATE INDEX t_inet ON app.t (ip inet_ops)`,
  `CREATE INDEX t_cidr ON app.t (ci)`,
  `CREATE INDEX t_ts3 ON app.t (ts3, iv)`,
  `CREATE INDEX t_part ON app.t ("user") WHERE "Order" <> 'x' AND n > 1`,
  `CREATE UNIQUE INDEX t_uniq ON app.t (u) WHERE u IS NOT NULL`,
  `CREATE INDEX "Index With Space" ON app.t ("weird""name")`,
  `CREATE INDEX "select" ON app.t (n)`,
  `CREATE TABLE "Odd Schema"."Mixed Case" (id int PRIMARY KEY,
     ref bigint REFERENCES app.t(id) MATCH FULL ON UPDATE SET NULL, "from" text UNIQUE)`,
  `CREATE TABLE "user"."table" (a int, b int, c text, PRIMARY KEY (a, b) INCLUDE (c),
     FOREIGN KEY (a, b) REFERENCES "user"."table"(a, b) DEFERRABLE)`,
  `CREATE TABLE app.refs (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED,
     t_id bigint REFERENCES app.t(id) ON DELETE SET NULL)`,
  `CREATE TABLE app.parted (id int, k date, v text, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)`,
  `CREATE TABLE app.parted_2024 PARTITION OF app.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`,
  `CREATE INDEX ON app.parted (v)`,
  `CREATE INDEX ON ONLY app.parted (k)`,
  `CREATE MATERIALIZED VIEW app.mv AS SELECT id, "Order" FROM app.t`,
  `CREATE UNIQUE INDEX mv_id ON app.mv (id)`,
  `CREATE INDEX mv_o ON app.mv ("Order" DESC)`,
  `CREATE TABLE app.inh_parent (id int PRIMARY KEY, x int)`,
  `CREATE TABLE app.inh_child (y int) INHERITS (app.inh_parent)`,
  `ALTER TABLE app.t DROP COLUMN dropme`, // leaves a hole in the attnums
  `CREATE INDEX t_after_drop ON app.t (ip, "user")`,
];
/** Shapes of newer servers, each skipped where the server lacks it. */
const NEWER = [
  // PostgreSQL 15+
  `ALTER TABLE app.t ADD CONSTRAINT "Uq Two" UNIQUE NULLS NOT DISTINCT ("select")`,
  `CREATE UNIQUE INDEX t_nnd ON app.t (iv) NULLS NOT DISTINCT`,
  // PostgreSQL 18+
  `ALTER TABLE app.t ADD COLUMN g2 int GENERATED ALWAYS AS ("user" * 2) VIRTUAL`,
  `ALTER TABLE app.refs ADD CONSTRAINT ne CHECK (id > 0) NOT ENFORCED`,
];

let db: TestDatabase;
let conn: Connections;
let snapshot: CatalogSnapshot;

beforeAll(async () => {
  db = await createTestDatabase('catalog_definitions');
  conn = new Connections(db.adminUrl);
  for (const statement of FIXTURE) await db.query(statement);
  for (const statement of NEWER) await db.query(statement).catch(() => undefined);
  snapshot = await snapshotCatalog(conn.pool(db.name));
});
afterAll(async () => {
  await conn?.end();
  await db?.drop();
});

/** `schema.relation.object` → what the server prints for it. */
async function serverText(sql: string): Promise<Map<string, string | null>> {
  const res = await db.query<{ key: string; text: string | null }>(sql);
  return new Map(res.rows.map((r) => [r.key, r.text]));
}

describe('rebuilt definitions', () => {
  it('print every index exactly as pg_get_indexdef', async () => {
    const server = await serverText(
      `SELECT n.nspname || '.' || t.relname || '.' || c.relname AS key,
              pg_get_indexdef(i.indexrelid) AS text
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('app', 'Odd Schema', 'user')`,
    );
    const ours = new Map(
      [...snapshot.tables, ...snapshot.views].flatMap((r) =>
        r.indexes.map((i) => [`${r.schema}.${r.name}.${i.name}`, i.definition] as const),
      ),
    );
    expect(ours.size).toBeGreaterThan(40);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(server));
    for (const r of [...snapshot.tables, ...snapshot.views])
      for (const i of r.indexes) expect(i.definition.endsWith(i.shape)).toBe(true);
  });

  it('print every constraint exactly as pg_get_constraintdef', async () => {
    const server = await serverText(
      `SELECT n.nspname || '.' || t.relname || '.' || k.conname AS key,
              pg_get_constraintdef(k.oid, true) AS text
       FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname IN ('app', 'Odd Schema', 'user') AND k.contype <> 'n'`,
    );
    const ours = snapshot.tables.flatMap((t) =>
      t.constraints.map((k) => [`${t.schema}.${t.name}.${k.name}`, k.definition] as const),
    );
    expect(ours.length).toBeGreaterThan(12);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(server));
  });

  it('print every column type and expression exactly as format_type / pg_get_expr', async () => {
    const server = await serverText(
      `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS key,
              format_type(a.atttypid, a.atttypmod) || ' / ' ||
              coalesce(pg_get_expr(d.adbin, d.adrelid), '-') AS text
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname IN ('app', 'Odd Schema', 'user') AND c.relkind IN ('r', 'p', 'v', 'm')
         AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const ours = [...snapshot.tables, ...snapshot.views].flatMap((r) =>
      r.columns.map(
        (c) =>
          [
            `${r.schema}.${r.name}.${c.name}`,
            `${c.type} / ${c.generated ?? c.default ?? '-'}`,
          ] as const,
      ),
    );
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(server));
    const t = snapshot.tables.find((x) => x.schema === 'app' && x.name === 't');
    expect(t?.columns.map((c) => c.position)).toEqual(t?.columns.map((_, i) => i + 1));
  });

  it('quote identifiers exactly as quote_ident, keywords included', async () => {
    const names = [
      'plain',
      '_x1',
      'Mixed',
      'with space',
      'dq"uote',
      '1digit',
      'dollar$',
      'é',
      '',
      'user',
      'select',
      'order',
      'name',
      'abort',
    ];
    const keywords = await db.query<{ word: string; catcode: string }>(
      `SELECT word, catcode FROM pg_get_keywords()`,
    );
    const all = [...names, ...keywords.rows.map((k) => k.word)];
    const quoted = await db.query<{ q: string[] }>(
      `SELECT array(SELECT quote_ident(x) FROM unnest($1::text[]) x) AS q`,
      [all],
    );
    const quote = identifierQuoter(
      keywords.rows.filter((k) => k.catcode !== 'U').map((k) => k.word),
      false,
    );
    expect(all.map(quote)).toEqual(quoted.rows[0]?.q);
    expect(identifierQuoter([], true)('plain')).toBe('"plain"');
  });
});

describe('packed integers', () => {
  it('reads vectors, arrays and signed values', () => {
    expect(integers('16385 1 -1 0')).toEqual([16385, 1, -1, 0]);
    expect(integers('{2,-6,10}')).toEqual([2, -6, 10]);
    expect(integers('')).toEqual([]);
    expect(integers('4294967295  7')).toEqual([4294967295, 7]);
    const scratch = [9, 9, 9];
    expect(readIntegers('5', scratch)).toBe(1);
    expect(scratch[0]).toBe(5);
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEXT_XID_SQL } from '../src/migrations/change-probe.js';
import {
  inTransactionWindowProbeSql,
  WINDOW_PROBE_PRELUDE,
} from '../src/migrations/in-transaction-window-probe.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// The Alembic bridge's per-revision probe, run here as the bridge runs it (prepared, inside the
// revision's transaction): the rows it counts, where it says the next window starts, and when it
// reads pg_class whole.

let db: TestDatabase;
let client: pg.Client;
let serverVersion: number;

beforeAll(async () => {
  db = await createTestDatabase('window_probe');
  client = new pg.Client(db.url);
  await client.connect();
  const version = await client.query<{ v: number }>(
    `SELECT current_setting('server_version_num')::int AS v`,
  );
  serverVersion = version.rows[0]?.v ?? 0;
  await client.query(
    `PREPARE probe(text, boolean) AS ${inTransactionWindowProbeSql(serverVersion)}`,
  );
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

interface Row {
  what: string;
  oid: string | null;
  name: string | null;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** The loops of each scan of pg_class by sequential scan in the plan (0: never executed). */
function seqScansOfPgClass(node: PlanNode): number[] {
  const here =
    node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'pg_class'
      ? [node['Actual Loops'] ?? 0]
      : [];
  return [...here, ...(node.Plans ?? []).flatMap(seqScansOfPgClass)];
}

/** The probe as the bridge sends it: after its prelude, in one message; its rows. */
async function runProbe(start: string, unlocked: boolean): Promise<Row[]> {
  const results = (await client.query(
    `${WINDOW_PROBE_PRELUDE}; EXECUTE probe('${start}', ${unlocked})`,
  )) as unknown as pg.QueryResult<Row>[];
  return results[results.length - 1]?.rows ?? [];
}

/**
 * Runs `work` in a transaction whose window starts before it, then the probe with `unlocked`:
 * its rows, the plan's pg_class scans, and the transaction's own xid. Rolled back.
 */
async function probe(
  work: (string | (() => Promise<unknown>))[],
  unlocked: boolean,
): Promise<{ rows: Row[]; scans: number[]; top: bigint }> {
  await client.query('BEGIN');
  try {
    const start = (await client.query<{ xid: string }>(NEXT_XID_SQL)).rows[0]?.xid ?? '';
    for (const step of work) await (typeof step === 'string' ? client.query(step) : step());
    const rows = await runProbe(start, unlocked);
    const plan = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe('${start}', ${unlocked})`,
    );
    const top = (await client.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x'))
      .rows[0]?.x;
    const root = plan.rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode;
    return { rows, scans: seqScansOfPgClass(root), top: BigInt(top ?? '0') };
  } finally {
    await client.query('ROLLBACK');
  }
}

const names = (rows: Row[], what: string): string[] =>
  rows
    .filter((r) => r.what === what)
    .map((r) => r.name ?? '')
    .sort();
/** The `next` row's xid: null when the probe could not place the next window (or gave none). */
const next = (rows: Row[]): bigint | null => {
  const name = rows.find((r) => r.what === 'next')?.name;
  return name === null || name === undefined ? null : BigInt(name);
};

describe('the in-transaction window probe', () => {
  it('alone in its window: the locked relations only, pg_class never scanned whole', async () => {
    // Xids are the cluster's: another test file's transaction may share a window. Tried until
    // one window is this transaction's alone.
    let alone = false;
    for (let i = 0; i < 50 && !alone; i++) {
      const { rows, scans, top } = await probe(['CREATE TABLE alone (id int)'], false);
      expect(names(rows, 'rel')).toEqual(['alone']);
      expect(scans.length).toBeGreaterThan(0);
      alone = scans.every((loops) => loops === 0);
      if (alone) expect(next(rows)).toBe(top + 1n);
    }
    expect(alone).toBe(true);
  });

  it('told of an unlocked write: pg_class scanned whole, the same rows for a plain change', async () => {
    const { rows, scans } = await probe(['CREATE TABLE told (id int)'], true);
    expect(names(rows, 'rel')).toEqual(['told']);
    expect(scans.some((loops) => loops > 0)).toBe(true);
  });

  it.each([
    ['before', ['CREATE TABLE elsewhere (id int)', 'CREATE TABLE here (id int)']],
    ['after', ['CREATE TABLE here (id int)', 'CREATE TABLE elsewhere (id int)']],
  ])(
    "another session's transaction ending in the window %s this one's xid: pg_class scanned whole",
    async (_when, [first, second]) => {
      const other = new pg.Client(db.url);
      await other.connect();
      await client.query('BEGIN');
      try {
        const start = (await client.query<{ xid: string }>(NEXT_XID_SQL)).rows[0]?.xid ?? '';
        const session = (sql: string): pg.Client => (sql.includes('elsewhere') ? other : client);
        await session(first as string).query(first as string);
        await session(second as string).query(second as string);
        const plan = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe('${start}', false)`,
        );
        const root = plan.rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode;
        expect(seqScansOfPgClass(root).some((loops) => loops > 0)).toBe(true);
        const rows = await runProbe(start, false);
        // It took its xid in the window: counted with this transaction's, as the window says.
        expect(names(rows, 'rel')).toEqual(['elsewhere', 'here']);
      } finally {
        await client.query('ROLLBACK');
        await other.query('DROP TABLE IF EXISTS elsewhere');
        await other.end();
      }
    },
  );

  it("a released savepoint's rows are counted; the next window's start is left to the caller", async () => {
    const { rows } = await probe(
      [
        'CREATE TABLE outer_t (id int)',
        'SAVEPOINT s',
        'CREATE TABLE inner_t (id int)',
        'RELEASE s',
      ],
      false,
    );
    expect(names(rows, 'rel')).toEqual(['inner_t', 'outer_t']);
    // The savepoint's xid cannot be read once released: the caller reads the next window's start.
    expect(rows.some((r) => r.what === 'next')).toBe(serverVersion >= 170000);
    expect(next(rows)).toBe(null);
  });

  it('a subtransaction inside a function called: no next start either', async () => {
    const { rows } = await probe(
      [
        `CREATE FUNCTION guarded() RETURNS void LANGUAGE plpgsql AS $$
         BEGIN CREATE TABLE in_block (id int); EXCEPTION WHEN others THEN NULL; END $$`,
        'SELECT guarded()',
      ],
      false,
    );
    expect(names(rows, 'rel')).toEqual(['in_block']);
    expect(next(rows)).toBe(null);
  });

  it('a server before PostgreSQL 17 gets no next row', () => {
    expect(inTransactionWindowProbeSql(160004)).not.toContain("'next'");
    expect(inTransactionWindowProbeSql(170000)).toContain("'next'");
  });

  it('the subtransaction count is read afresh, whatever the plan: a backend status read before', async () => {
    const { rows } = await probe(
      [
        // A planner setting any role or database may carry, and the backend status read first.
        'SET LOCAL geqo_threshold = 2',
        'CREATE TABLE read_first (id int)',
        'SELECT count(*) FROM pg_stat_activity',
        'SAVEPOINT s',
        'CREATE TABLE read_then (id int)',
        'RELEASE s',
      ],
      false,
    );
    expect(names(rows, 'rel')).toEqual(['read_first', 'read_then']);
    expect(next(rows)).toBe(null);
  });

  it("the next window's start does not depend on when age() was first called", async () => {
    // age() fixes its base at its first call in a transaction: here before the xid is taken,
    // and another session takes xids in between, so the base is behind the transaction's xid.
    const other = new pg.Client(db.url);
    await other.connect();
    try {
      const takeXids = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) await other.query('SELECT pg_current_xact_id()');
      };
      const { rows, top } = await probe(
        [
          'SELECT age(datfrozenxid) FROM pg_database LIMIT 1',
          takeXids,
          'CREATE TABLE late (id int)',
        ],
        false,
      );
      expect(names(rows, 'rel')).toEqual(['late']);
      expect(next(rows)).toBe(top + 1n);
    } finally {
      await other.end();
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnlyQueryProblem } from '../src/postgres/read-only-query.js';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import {
  adminQuery,
  createTestDatabase,
  uniqueName,
  type TestDatabase,
} from './support/database.js';

// sql.expect counts as not writing: it runs under `replica`, and on `prod` without confirmation.
// READ ONLY stops writes to tables, not the server's non-transactional functions, so a query
// calling one is refused before anything runs, and never sent.
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('sql_expect_read_only');
  ws = await createCliWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

function checking(name: string, role: string, query: string, extra = ''): string {
  return `procedure: ${name}
requires: { authority: local, role: ${role} }
steps:${extra}
  - id: check
    do: sql.expect
    with:
      database: ${db.name}
      query: ${JSON.stringify(query)}
      row_count: 1
`;
}

async function slots(name: string): Promise<number> {
  const { rows } = await adminQuery<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1',
    [name],
  );
  return rows[0]!.n;
}

describe('sql.expect refuses what a ROLLBACK does not undo', () => {
  it('a replication slot on a replica: exit 2 naming the file, line and key; no slot, no run', async () => {
    const slot = uniqueName('rb_slot');
    const file = await ws.writeProcedure(
      'slot',
      checking('slot', 'replica', `SELECT pg_create_physical_replication_slot('${slot}')`),
    );
    const r = await ws.cli(['run', 'slot', '--database-url', db.adminUrl], {
      env: { DB_ROLE: 'replica' },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `${file.slice(ws.dir.length + 1)}:8:7: steps[0].with.query: sql.expect: `,
    );
    expect(r.stderr).toContain('steps[0].with.query');
    expect(r.stderr).toContain(
      'pg_create_physical_replication_slot() creates or drops a replication slot',
    );
    expect(r.stderr).toContain('sql.exec');
    expect(ws.runIds()).toEqual([]);
    expect(await slots(slot)).toBe(0);
  });

  it('pg_terminate_backend on prod without confirmation: refused, the session lives on', async () => {
    const app = uniqueName('victim');
    const victim = new pg.Client({ connectionString: db.url, application_name: app });
    await victim.connect();
    try {
      await ws.writeProcedure(
        'killer',
        checking(
          'killer',
          'prod',
          `SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${app}'`,
        ),
      );
      const r = await ws.cli(['run', 'killer', '--database-url', db.adminUrl], {
        env: { DB_ROLE: 'prod' },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('pg_catalog.pg_terminate_backend() ends another session');
      expect((await victim.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      await victim.end();
    }
  });

  it('a query known only as the step runs fails QUERY_NOT_READ_ONLY, and is never sent', async () => {
    const slot = uniqueName('rb_slot');
    await ws.writeProcedure(
      'late',
      checking(
        'late',
        'staging',
        `SELECT pg_create_physical_replication_slot('${slot}') -- \${{ steps.look.output.tables }}`,
        `\n  - id: look\n    do: schema.snapshot\n    with: { database: ${db.name} }`,
      ),
    );
    const r = await ws.cli(['run', 'late', '--database-url', db.adminUrl, '--json'], {
      env: { DB_ROLE: 'staging' },
    });
    expect(r.code, r.stderr).toBe(1);
    const [runId] = ws.runIds();
    const failed = ws.events(runId!).find((e) => e.type === 'step.failed');
    expect(failed?.step).toBe('check');
    expect(failed?.data).toMatchObject({
      failure: {
        code: 'QUERY_NOT_READ_ONLY',
        data: { what: 'pg_create_physical_replication_slot' },
      },
    });
    expect(await slots(slot)).toBe(0);
  });

  it('a database reading backslashes the old way cannot hide a call from the parser', async () => {
    // With standard_conforming_strings off, the server would read 'a\\', $$' as one string and
    // run the call the parser saw inside a dollar quote; the step runs its query with it on.
    const slot = uniqueName('rb_slot');
    await adminQuery(`ALTER DATABASE "${db.name}" SET standard_conforming_strings = off`);
    try {
      await ws.writeProcedure(
        'legacy',
        checking(
          'legacy',
          'replica',
          `SELECT 'a\\', $$' AS x, pg_create_physical_replication_slot('${slot}') AS f -- $$ AS y`,
        ),
      );
      const r = await ws.cli(['run', 'legacy', '--database-url', db.adminUrl], {
        env: { DB_ROLE: 'replica' },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(await slots(slot)).toBe(0);
    } finally {
      await adminQuery(`ALTER DATABASE "${db.name}" RESET standard_conforming_strings`);
    }
  });

  it('ordinary checks still run, names inside literals and constant SQL text included', async () => {
    await ws.writeProcedure(
      'fine',
      checking(
        'fine',
        'replica',
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_terminate_backend%' AND false) + length(query_to_xml('SELECT 1 AS one', true, false, '')::text) * 0 AS n",
      ),
    );
    const r = await ws.cli(['run', 'fine', '--database-url', db.adminUrl], {
      env: { DB_ROLE: 'replica' },
    });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('readOnlyQueryProblem', () => {
  it('passes queries, SHOW and EXPLAIN', async () => {
    for (const q of [
      'SELECT 1',
      '  -- a comment\n/* another */ WITH x AS (SELECT 1) SELECT * FROM x',
      'VALUES (1)',
      'TABLE pg_class',
      'SHOW server_version',
      'EXPLAIN SELECT 1',
      "SELECT 'pg_reload_conf()' AS text",
      "SELECT * FROM pg_replication_slots WHERE slot_name LIKE 'dblink%'",
      "SELECT query_to_xml($$SELECT count(*) FROM pg_class$$, true, false, '')",
      'SELECT pg_advisory_xact_lock(1)',
      "SELECT query_to_xml(query => 'SELECT 1', nulls => true, tableforest => false, targetns => '')",
      "SELECT * FROM crosstab('SELECT 1, 2, 3', 2) AS t(a int, b int)",
      "SELECT ts_rewrite('a'::tsquery, 'a'::tsquery, 'b'::tsquery)",
      "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
      "SELECT pg_replication_origin_progress('o', true)",
      'SELECT dblink_get_connections()',
      'SELECT count(*) FROM pg_stat_activity WHERE backend_type = $$client backend$$',
    ]) {
      expect(await readOnlyQueryProblem(q), q).toBeNull();
    }
  });

  it('refuses lasting calls however they are spelt or wrapped', async () => {
    const cases: [string, string][] = [
      ['SELECT pg_reload_conf()', 'pg_reload_conf'],
      ['select PG_CATALOG.PG_RELOAD_CONF()', 'pg_reload_conf'],
      ['SELECT U&"\\0070g_reload_conf"()', 'pg_reload_conf'],
      ['EXPLAIN ANALYZE SELECT pg_switch_wal()', 'pg_switch_wal'],
      ['SELECT * FROM (SELECT pg_stat_reset()) s', 'pg_stat_reset'],
      ["SELECT * FROM dblink('dbname=x', 'DELETE FROM t') AS r(x int)", 'dblink'],
      ['SELECT pg_try_advisory_lock(42)', 'pg_try_advisory_lock'],
      ["SELECT pg_replication_origin_create('o')", 'pg_replication_origin_create'],
      ["SELECT query_to_xml('SELECT pg_reload_conf()', true, false, '')", 'pg_reload_conf'],
      ["SELECT query_to_xml('SELECT ' || 'pg_reload_conf()', true, false, '')", 'query_to_xml'],
      ["SELECT * FROM ts_stat(format('SELECT %s', 'x'))", 'ts_stat'],
      ['DO $$BEGIN PERFORM pg_reload_conf(); END$$', 'DO'],
      ["COPY (SELECT 1) TO PROGRAM 'true'", 'COPY'],
      ['CHECKPOINT', 'CHECKPOINT'],
      ['ANALYZE', 'VACUUM/ANALYZE'],
      ["LOAD 'auto_explain'", 'LOAD'],
      ['SELEC 1', 'syntax'],
      [
        "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery FROM pg_create_physical_' || 'replication_slot(''s'')')",
        'ts_rewrite',
      ],
      [
        "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery FROM pg_create_physical_replication_slot(''s'')')",
        'pg_create_physical_replication_slot',
      ],
      [
        "SELECT * FROM connectby('items, pg_create_physical_' || 'replication_slot(''s'') s', 'id', 'parent', '1', 0) AS t(id int, parent int, level int)",
        'connectby',
      ],
      [
        "SELECT * FROM xpath_table('id', 'doc', 'docs', '/a', 'true') AS t(id int, a text)",
        'xpath_table',
      ],
      ["SELECT heap_force_kill('victim'::regclass, ARRAY['(0,1)']::tid[])", 'heap_force_kill'],
      ["SELECT brin_summarize_new_values('i'::regclass)", 'brin_summarize_new_values'],
      ["SELECT gin_clean_pending_list('i'::regclass)", 'gin_clean_pending_list'],
      [
        "SELECT query_to_xml(query => 'SELECT pg_reload_conf()', nulls => true, tableforest => false, targetns => '')",
        'pg_reload_conf',
      ],
      ["SELECT dblink_exec('dbname=x', 'DELETE FROM t')", 'dblink_exec'],
      ["SELECT pg_replication_origin_advance('o', '0/1')", 'pg_replication_origin_advance'],
    ];
    for (const [q, what] of cases) {
      expect((await readOnlyQueryProblem(q))?.what, q).toBe(what);
    }
  });
});

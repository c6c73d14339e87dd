import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlExec } from '../src/actions/sql-exec.js';
import { sqlExpect } from '../src/actions/sql-expect.js';
import { StepError } from '../src/errors.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
let t: TestActionContext;

beforeAll(async () => {
  tdb = await createTestDatabase('actions_sql');
  t = await createActionContext({ url: tdb.adminUrl });
});
afterAll(async () => {
  await t?.dispose();
  await tdb?.drop();
});

async function failure(p: Promise<unknown>): Promise<StepError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

function exec(args: Record<string, unknown>) {
  return sqlExec.run(t.ctx, sqlExec.params.parse({ database: tdb.name, ...args }));
}

async function relationExists(name: string): Promise<boolean> {
  const r = await tdb.query('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.rows[0]?.ok === true;
}

describe('sql.exec', () => {
  it('runs a multi-statement script with a dollar-quoted function body in one transaction', async () => {
    const res = await exec({
      sql: `CREATE TABLE fn_items (id int primary key, label text);
CREATE FUNCTION add_item(i int) RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  INSERT INTO fn_items VALUES (i, 'item; ' || i);  -- a semicolon inside the body
  RETURN i;
END;
$body$;
INSERT INTO fn_items VALUES (1, 'one'), (2, 'two');
SELECT add_item(3);`,
    });
    expect(res.output).toEqual({ rows_affected: 2, statements: 4 });
    const r = await tdb.query('SELECT id, label FROM fn_items ORDER BY id');
    expect(r.rows).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: 'two' },
      { id: 3, label: 'item; 3' },
    ]);
  });

  it('reports SQLSTATE 42P01, the file, the line and the statement, and rolls back', async () => {
    const file = path.join(t.ctx.cwd, '065_add_run_authorization.sql');
    await writeFile(
      file,
      [
        '-- revision: 065 — ünïcödé 😀 before the error',
        'CREATE TABLE must_roll_back (id int);',
        '',
        "INSERT INTO must_roll_back VALUES (1); SELECT 'x';",
        'ALTER TABLE runs',
        '  ADD COLUMN authorized boolean;',
        'SELECT 1;',
      ].join('\n'),
    );
    const err = await failure(exec({ file: '065_add_run_authorization.sql' }));
    expect(err.code).toBe('42P01');
    expect(err.message).toBe('relation "runs" does not exist');
    expect(err.fields.file).toBe('065_add_run_authorization.sql');
    expect(err.fields.line).toBe(5);
    expect(err.fields.statement).toBe('ALTER TABLE runs\n  ADD COLUMN authorized boolean');
    expect(err.cause).toBeDefined();
    expect(await relationExists('must_roll_back')).toBe(false);
  });

  it('maps the line of an inline script error too', async () => {
    const err = await failure(exec({ sql: 'SELECT 1;\nSELECT 2;\n\nSELECT * FROM nope_nothing;' }));
    expect(err.code).toBe('42P01');
    expect(err.fields.line).toBe(4);
    expect(err.fields.file).toBeUndefined();
    expect(err.fields.statement).toBe('SELECT * FROM nope_nothing');
  });

  it('maps positions counted in characters, not bytes, past unicode text', async () => {
    const err = await failure(
      exec({ sql: "-- ü😀\nSELECT 'ü😀€',\n  'é' AS e\nFROM nope_after_unicode;" }),
    );
    expect(err.code).toBe('42P01');
    expect(err.fields.line).toBe(4);
    expect(err.fields.data).toMatchObject({ position: 37 }); // code points; UTF-16 would say 39
    // A syntax error: the parser rejects the script, the server's position gives the line.
    const syntax = await failure(
      exec({ sql: "-- ü😀 comment\nSELECT 'ü😀';\nSELEC broken;\nSELECT 2;" }),
    );
    expect(syntax.code).toBe('42601');
    expect(syntax.fields.line).toBe(3);
    expect(syntax.fields.statement).toBe('SELEC broken;');
  });

  it('runs statements one by one with single_transaction: false', async () => {
    await exec({ sql: 'CREATE TABLE conc (id int);' });
    const ok = await exec({
      sql: 'CREATE INDEX CONCURRENTLY conc_idx ON conc (id);\nINSERT INTO conc VALUES (1);',
      single_transaction: false,
    });
    expect(ok.output).toEqual({ rows_affected: 1, statements: 2 });
    expect(await relationExists('conc_idx')).toBe(true);
    // The statement before the failure stays committed; the failing one is named with its line.
    const err = await failure(
      exec({
        sql: 'INSERT INTO conc VALUES (2);\n\nSELECT 1 / 0;',
        single_transaction: false,
      }),
    );
    expect(err.code).toBe('22012');
    expect(err.fields.line).toBe(3);
    expect(err.fields.statement).toBe('SELECT 1 / 0');
    const r = await tdb.query('SELECT count(*)::int AS n FROM conc');
    expect(r.rows).toEqual([{ n: 2 }]);
  });

  it('hints at single_transaction: false for statements that cannot run in a transaction', async () => {
    const err = await failure(exec({ sql: 'CREATE INDEX CONCURRENTLY conc_idx2 ON conc (id);' }));
    expect(err.code).toBe('25001');
    expect(err.fields.hint).toContain('single_transaction: false');
  });

  it('does not wrap a script that has its own transaction control', async () => {
    await exec({
      sql: 'BEGIN;\nCREATE TABLE own_tx (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE own_tx_rolled (id int);\nROLLBACK;',
    });
    expect(await relationExists('own_tx')).toBe(true);
    expect(await relationExists('own_tx_rolled')).toBe(false);
  });

  it('requires exactly one of sql and file', () => {
    expect(sqlExec.params.safeParse({ sql: 'SELECT 1', file: 'a.sql' }).success).toBe(false);
    expect(sqlExec.params.safeParse({}).success).toBe(false);
    expect(sqlExec.params.safeParse({ sql: 'SELECT 1', extra: 1 }).success).toBe(false);
  });

  it('fails with FILE_NOT_READABLE for a missing file', async () => {
    const err = await failure(exec({ file: 'missing.sql' }));
    expect(err.code).toBe('FILE_NOT_READABLE');
  });
});

function expectQuery(args: Record<string, unknown>) {
  return sqlExpect.run(t.ctx, sqlExpect.params.parse({ database: tdb.name, ...args }));
}

describe('sql.expect', () => {
  beforeAll(async () => {
    await tdb.query(`CREATE TABLE facts (id bigint, amount numeric(10,2), day date, name text);
      INSERT INTO facts VALUES (1, 1.50, '2024-01-31', 'a'), (9007199254740993, 2, '2024-02-01', 'b')`);
  });

  it('passes matching rows, scalar and row count (bigint and numeric as numbers)', async () => {
    const res = await expectQuery({
      query: 'SELECT id, amount, day, name FROM facts ORDER BY id',
      rows: [
        { id: 1, amount: 1.5, day: '2024-01-31', name: 'a' },
        { id: '9007199254740993', amount: '2.00', day: '2024-02-01', name: 'b' },
      ],
      row_count: 2,
    });
    expect(res.output).toEqual({ row_count: 2 });
    await expectQuery({ query: 'SELECT count(*) FROM facts', scalar: 2 });
    await expectQuery({ query: 'SELECT NULL::text', scalar: null });
    await expectQuery({ query: 'SELECT \'{"a": [1, 2]}\'::jsonb', scalar: { a: [1, 2] } });
  });

  it('fails with EXPECTATION_FAILED and the expected and actual values', async () => {
    const err = await failure(expectQuery({ query: 'SELECT count(*) FROM facts', scalar: 3 }));
    expect(err.code).toBe('EXPECTATION_FAILED');
    expect(err.message).toBe('expected 3, got "2"');
    expect(err.fields.data).toMatchObject({ expected: { scalar: 3 }, actual: { scalar: '2' } });

    const rows = await failure(
      expectQuery({
        query: 'SELECT name FROM facts ORDER BY id',
        rows: [{ name: 'a' }, { name: 'c' }],
        row_count: 3,
      }),
    );
    expect(rows.message).toContain('expected 3 row(s), got 2');
    expect(rows.message).toContain('row 2: expected {"name":"c"}, got {"name":"b"}');
    expect(rows.fields.data).toMatchObject({
      expected: { row_count: 3, rows: [{ name: 'a' }, { name: 'c' }] },
      actual: { row_count: 2, rows: [{ name: 'a' }, { name: 'b' }] },
    });

    const shape = await failure(expectQuery({ query: 'SELECT id, name FROM facts', scalar: 1 }));
    expect(shape.message).toContain('expected a single value, got 2 row(s) of 2 column(s)');
  });

  it('compares numbers exactly: a numeric or bigint one digit off fails, 1.50 equals 1.5', async () => {
    const big = await failure(
      expectQuery({ query: 'SELECT 9007199254740993::bigint', scalar: 9007199254740992 }),
    );
    expect(big.message).toBe('expected 9007199254740992, got "9007199254740993"');
    const tiny = await failure(
      expectQuery({ query: 'SELECT 0.30000000000000001::numeric', scalar: 0.3 }),
    );
    expect(tiny.code).toBe('EXPECTATION_FAILED');
    await expectQuery({ query: 'SELECT 1.50::numeric', scalar: 1.5 });
    await expectQuery({ query: 'SELECT -0.0::numeric', scalar: 0 });
    await expectQuery({ query: 'SELECT 9007199254740993::bigint', scalar: '9007199254740993' });
    await expectQuery({ query: 'SELECT 0.1::float8', scalar: 0.1 });
    // An integer YAML cannot hold exactly: the failure says how to write it; a float is no integer.
    const inexact = await failure(
      expectQuery({ query: 'SELECT 9007199254740993::bigint', scalar: 2 ** 53 + 2 }),
    );
    expect(inexact.fields.hint).toContain('write the expected value as a string');
    await expectQuery({ query: 'SELECT 1e20::float8', scalar: 1e20 });
    // Equal as doubles, but the YAML may have said 9007199254740993: never a silent pass.
    const unsure = await failure(
      expectQuery({ query: 'SELECT 9007199254740992::bigint', scalar: 2 ** 53 }),
    );
    expect(unsure.fields.hint).toContain('write the expected value as a string');
  });

  it('rows with two columns of one name fail instead of comparing one of them', async () => {
    const err = await failure(expectQuery({ query: 'SELECT 1 AS a, 2 AS a', rows: [{ a: 2 }] }));
    expect(err.code).toBe('EXPECTATION_FAILED');
    expect(err.message).toContain('several columns named "a"');
    expect(err.fields.data).toMatchObject({ actual: { columns: ['a', 'a'] } });
    await expectQuery({ query: 'SELECT 1 AS a, 2 AS a', row_count: 1 });
  });

  it('runs the query read-only', async () => {
    const failure = (query: string) =>
      expectQuery({ query, row_count: 1 }).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
    // Not a query: refused before it is sent.
    expect((await failure("INSERT INTO facts VALUES (3, 0, now(), 'x') RETURNING 1"))?.code).toBe(
      'QUERY_NOT_READ_ONLY',
    );
    // A query that writes (a data-modifying WITH): the READ ONLY transaction refuses it.
    expect(
      (
        await failure(
          "WITH w AS (INSERT INTO facts VALUES (3, 0, now(), 'x') RETURNING 1) SELECT * FROM w",
        )
      )?.code,
    ).toBe('25006');
    const r = await tdb.query('SELECT count(*)::int AS n FROM facts');
    expect(r.rows).toEqual([{ n: 2 }]);
  });

  it('needs at least one expectation', () => {
    expect(sqlExpect.params.safeParse({ query: 'SELECT 1' }).success).toBe(false);
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, uniqueName } from './support/database.js';
import {
  createProcedureCli,
  databasesStartingWith,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

let cli: ProcedureCli;
const created: string[] = [];
const FIXTURES = path.resolve('test/fixtures/pg-dump');
const SHOP = path.join(FIXTURES, 'shop-migrations');

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  for (const runId of cli?.runIds() ?? []) created.push(...(await scratchOf(runId)));
  await dropDatabases(created);
  await cli?.dispose();
});

/** The two-path scratch databases of a run that still exist. */
function scratchOf(runId: string): Promise<string[]> {
  return databasesStartingWith('rb_path_').then((names) =>
    names.filter((n) => n === `rb_path_a_${runId}` || n === `rb_path_b_${runId}`),
  );
}

function twoPath(bootstrap: string, ...extra: string[]) {
  return cli.runbook([
    'run', 'two-path-ci', '--param', `migrations=${SHOP}`, '--param', `bootstrap=${bootstrap}`,
    ...extra,
  ]); // prettier-ignore
}

/** Writes `files` under a fresh folder of the workspace; returns the folder. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(cli.ws.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('pg_dump output as the two-path bootstrap', () => {
  it('a schema-only dump (\\restrict lines, empty search_path): PASS end to end', async () => {
    const run = await twoPath(path.join(FIXTURES, 'shop-schema.sql'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const runId = cli.lastRunId();
    expect(cli.artifact(runId, 'two-path-report.txt')).toMatch(/^Two-path migration check: PASS/);
    for (const c of cli.checklist(runId)) expect(c.status, `${c.item}: ${c.evidence}`).toBe('PASS');
    expect(await scratchOf(runId)).toEqual([]);
  });

  it('a dump with COPY data: the rows are loaded, the stamp lands in public.alembic_version', async () => {
    const run = await twoPath(path.join(FIXTURES, 'shop-data.sql'), '--param', 'keep=true');
    const runId = cli.lastRunId();
    created.push(...(await scratchOf(runId)));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const b = `rb_path_b_${runId}`;
    expect(await queryRows(b, 'SELECT id, note FROM public.orders ORDER BY id')).toEqual([
      { id: '1', note: 'first\torder' },
      { id: '2', note: null },
    ]);
    expect(await queryRows(b, 'SELECT count(*)::int AS n FROM public.customers')).toEqual([
      { n: 2 },
    ]);
    expect(await queryRows(b, 'SELECT version_num FROM public.alembic_version')).toEqual([
      { version_num: '003_paid_orders' },
    ]);
    const loaded = cli
      .events(runId)
      .find((e) => e.type === 'step.succeeded' && e.step === 'b-bootstrap-sql');
    expect(loaded?.data.output).toMatchObject({ rows_affected: 4 });
  });

  it('any other psql meta-command: exit 2 naming the file and line, nothing executed', async () => {
    const text = readFileSync(path.join(FIXTURES, 'shop-schema.sql'), 'utf8').split('\n');
    text.splice(20, 0, '\\connect other_database');
    const dir = folder('meta', { 'dump.sql': text.join('\n') });
    const before = cli.runIds();
    const run = await twoPath(path.join(dir, 'dump.sql'));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/dump\.sql:21:1: .*psql meta-command \\connect is not SQL/);
    // Refused before the run: no run record, so no scratch database either.
    expect(cli.runIds()).toEqual(before);
  });
});

describe('session state set by one step or migration stays there', () => {
  const emptied = {
    '001_a.sql': '-- revision: 001_a\n-- down_revision:\nCREATE TABLE a (id int);\n',
    '002_b.sql':
      "-- revision: 002_b\n-- down_revision: 001_a\nSET search_path = '';\nCREATE TABLE public.b (id int);\n",
    '003_c.sql':
      "-- revision: 003_c\n-- down_revision: 002_b\nSELECT set_config('search_path', '', false);\nCREATE TABLE public.c (id int);\n",
    '004_d.sql': '-- revision: 004_d\n-- down_revision: 003_c\nCREATE TABLE public.d (id int);\n',
  };

  it('alembic-sql: migrations that empty search_path (SET, set_config) and the ones after are applied and recorded', async () => {
    const database = uniqueName('rb_sp_alembic');
    created.push(database);
    const dir = folder('alembic-emptied', emptied);
    const run = await cli.runbook([
      'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
    ]); // prettier-ignore
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await queryRows(database, 'SELECT version_num FROM public.alembic_version')).toEqual([
      { version_num: '004_d' },
    ]);
    const tables = await queryRows<{ t: string }>(
      database,
      `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables.map((r) => r.t)).toEqual(['a', 'alembic_version', 'b', 'c', 'd']);
    const status = Object.fromEntries(cli.checklist(cli.lastRunId()).map((c) => [c.step, c]));
    expect(status.version?.evidence).toContain('004_d');
  });

  it('golang-migrate: the same history is recorded in public.schema_migrations', async () => {
    const database = uniqueName('rb_sp_golang');
    created.push(database);
    const files = Object.fromEntries(
      Object.entries(emptied).map(([name, text], i) => [
        `${i + 1}_${name.slice(4, -4)}.up.sql`,
        text.replace(/^--.*\n/gm, ''),
      ]),
    );
    const dir = folder('golang-emptied', files);
    const run = await cli.runbook([
      'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
    ]); // prettier-ignore
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(
      await queryRows(database, 'SELECT version, dirty FROM public.schema_migrations'),
    ).toEqual([{ version: '4', dirty: false }]);
  });

  it('a script’s session settings do not reach the next step', async () => {
    const database = uniqueName('rb_sp_steps');
    created.push(database);
    await cli.ws.writeProcedure(
      'leaky',
      `procedure: leaky
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: create
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: dump-like
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: "SELECT pg_catalog.set_config('search_path', '', false); SET statement_timeout = 1234; CREATE TABLE public.t (id int)"
  - id: next
    do: sql.expect
    with:
      database: "\${{ params.database }}"
      query: "SELECT current_setting('search_path') || ' / ' || current_setting('statement_timeout')"
      scalar: '"$user", public / 0'
`,
    );
    const run = await cli.ws.cli([
      'run', 'leaky', '--param', `database=${database}`,
      '--procedures', cli.ws.proceduresDir, '--runs-dir', cli.ws.runsDir,
      '--database-url', adminUrl(),
    ]); // prettier-ignore
    expect(run.code, run.stderr + run.stdout).toBe(0);
  });
});

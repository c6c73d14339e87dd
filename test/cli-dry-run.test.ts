import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';

let db: TestDatabase;
let ws: CliWorkspace;
let nova: string;
const PROCEDURES = path.join(REPO, 'procedures');
const HEAD = '124_prevention_records_run_id';

interface Planned {
  step: string;
  plan: string[];
  sql?: { revision: string; file: string; sql: string }[];
}

async function query(database: string, sql: string): Promise<Record<string, unknown>[]> {
  const pg = (await import('pg')).default;
  const client = new pg.Client(withDatabase(db.adminUrl, database));
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('cli_dry_run');
  ws = await createCliWorkspace('runbook-dry-run-');
  // A database at the nova head, as local-equivalence leaves it, with a table of its own.
  nova = `${db.name}_nova`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(nova)}`);
  await query(nova, `CREATE TABLE alembic_version (version_num varchar(128) PRIMARY KEY)`);
  await query(nova, `INSERT INTO alembic_version VALUES ('${HEAD}'); CREATE TABLE kept (id int)`);
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

const dryRun = (procedure: string, params: string[], extra: string[] = [], procedures = PROCEDURES) =>
  ws.cli(['run', procedure, '--procedures', procedures, '--dry-run', '--database-url', db.adminUrl, ...params.flatMap((p) => ['--param', p]), ...extra]); // prettier-ignore

async function untouched(): Promise<void> {
  expect(await query(nova, `SELECT version_num FROM alembic_version`)).toEqual([{ version_num: HEAD }]); // prettier-ignore
  expect(await query(nova, `SELECT to_regclass('kept')::text AS t`)).toEqual([{ t: 'kept' }]);
  expect(existsSync(ws.runsDir)).toBe(false); // a dry run writes no run directory
}

describe('run --dry-run carries each step forward', () => {
  it('local-equivalence: the recreate step empties the database, so all 125 migrations would run', async () => {
    const r = await dryRun('local-equivalence', [`database=${nova}`, `migrations=${path.join(REPO, 'examples/nova/after')}`], ['--json']); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const plan = parseJson<{ dryRun: boolean; plan: Planned[] }>(r.stdout).plan;
    expect(plan.find((s) => s.step === 'recreate-database')?.plan).toEqual([
      `drop database "${nova}" and create it empty: every migration of it would be pending`,
    ]);
    const migrate = plan.find((s) => s.step === 'migrate') as Planned;
    expect(migrate.plan[0]).toBe(
      `${nova} would be empty after step recreate-database: 125 of 125 migration(s) would run`,
    );
    expect(migrate.plan).toHaveLength(126);
    expect(migrate.plan[1]).toMatch(/^ {3}1\. 000_bootstrap_runs_agents/);
    expect(migrate.plan[125]).toMatch(/^ 125\. 124_prevention_records_run_id/);
    expect(r.stderr).toContain('nothing will be executed');
    expect(r.stderr).not.toContain('nothing to run');
    await untouched();
  });

  it('without a recreate step the database is read as it is: nothing to run', async () => {
    const r = await dryRun('upgrade', [`database=${nova}`, `migrations=${path.join(REPO, 'examples/nova/after')}`], ['--json']); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const plan = parseJson<{ plan: Planned[] }>(r.stdout).plan;
    expect(plan.find((s) => s.step === 'create-database')?.plan).toEqual([`database "${nova}" exists: left as is`]); // prettier-ignore
    expect(plan.find((s) => s.step === 'migrate')?.plan).toEqual([`nothing to run: ${nova} is at ${HEAD}`]); // prettier-ignore
    await untouched();
  });

  it('--sql prints each migration as the runner sends it, after the effects of the steps before', async () => {
    const r = await dryRun('local-equivalence', [`database=${nova}`, `migrations=${path.join(REPO, 'examples/nova/after')}`], ['--sql']); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^-- step migrate: /gm)).toHaveLength(125);
    expect(r.stdout).toContain(
      `-- step migrate: 000_bootstrap_runs_agents (${REPO}/examples/nova/after/000_bootstrap_runs_agents.sql)\n` +
        '-- the version table, created first\n' +
        'CREATE TABLE IF NOT EXISTS "public"."alembic_version" (version_num varchar(128) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n' +
        'BEGIN;\n-- revision: 000_bootstrap_runs_agents\n',
    );
    expect(r.stdout).toContain(
      `INSERT INTO "public"."alembic_version" (version_num) VALUES ('000_bootstrap_runs_agents');\nCOMMIT;\n`,
    );
    expect(r.stdout).toContain(
      `UPDATE "public"."alembic_version" SET version_num = '001_workflow_checkpoints' WHERE version_num = '000_bootstrap_runs_agents';\nCOMMIT;\n`,
    );
    await untouched();
  });

  it('a stamp carries its revision forward; --sql masks passwords; --sql needs --dry-run', async () => {
    const dir = path.join(ws.dir, 'small');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '001_a.sql'), '-- revision: 001_a\n-- down_revision:\nCREATE TABLE a (id int);\n'); // prettier-ignore
    writeFileSync(path.join(dir, '002_b.sql'), "-- revision: 002_b\n-- down_revision: 001_a\nCREATE ROLE app LOGIN PASSWORD 'hunter2';\n"); // prettier-ignore
    const procedures = path.join(ws.dir, 'procedures');
    await ws.writeProcedure(
      'stamp-then-upgrade',
      `procedure: stamp-then-upgrade
description: Recreate, stamp the first revision, upgrade the rest
requires: { authority: local, role: staging }
params:
  database: { type: string }
  migrations: { type: path }
  drop: { type: boolean, default: false }
steps:
  - { id: maybe-drop, do: database.drop, when: "\${{ params.drop }}", with: { name: "\${{ params.database }}" } }
  - { id: fresh, do: database.recreate, with: { name: "\${{ params.database }}" } }
  - { id: stamp, do: migrations.stamp, with: { source: "\${{ params.migrations }}", revision: 001_a, database: "\${{ params.database }}" } }
  - { id: up, do: migrations.upgrade, with: { source: "\${{ params.migrations }}", database: "\${{ params.database }}" } }
`,
    );
    const url = db.adminUrl.replace('://postgres@', '://postgres:url-secret@');
    const r = await ws.cli(['run', 'stamp-then-upgrade', '--procedures', procedures, '--dry-run', '--sql', '--database-url', url, '--param', `database=${nova}`, '--param', `migrations=${dir}`, '--json']); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const plan = parseJson<{ plan: Planned[] }>(r.stdout).plan;
    expect(plan.find((s) => s.step === 'maybe-drop')?.plan).toEqual(['skipped: when ${{ params.drop }} is false']); // prettier-ignore
    expect(plan.find((s) => s.step === 'stamp')?.plan).toEqual([`record 001_a in alembic_version of ${nova}, running no SQL`]); // prettier-ignore
    const up = plan.find((s) => s.step === 'up') as Planned;
    expect(up.plan[0]).toBe(`${nova} would be at 001_a after the steps before: 1 of 2 migration(s) would run`); // prettier-ignore
    expect(up.sql?.map((e) => e.revision)).toEqual(['002_b']);
    expect(up.sql?.[0]?.sql).toContain(`CREATE ROLE app LOGIN PASSWORD '***';`);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    expect(r.stdout + r.stderr).not.toContain('url-secret');
    await untouched();

    const noDry = await ws.cli(['run', 'stamp-then-upgrade', '--procedures', procedures, '--sql', '--database-url', db.adminUrl]); // prettier-ignore
    expect(noDry.code).toBe(2);
    expect(noDry.stderr).toContain('--sql applies to --dry-run only');
    await untouched();
  });

  it('creates no server: with no URL and no embedded server yet it is invalid input (exit 2)', async () => {
    const embedded = path.join(ws.dir, 'no-server-here');
    const r = await ws.cli(['run', 'upgrade', '--procedures', PROCEDURES, '--dry-run', '--param', `database=${nova}`, '--param', `migrations=${path.join(REPO, 'examples', 'nova', 'after')}`], { env: { RUNBOOK_EMBEDDED_DIR: embedded } }); // prettier-ignore
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('a dry run creates nothing');
    expect(existsSync(embedded)).toBe(false);
  });
});

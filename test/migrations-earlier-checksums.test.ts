import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(cli.ws.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function upgrade(database: string, dir: string) {
  return cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
  ]); // prettier-ignore
}

const LAYOUTS: Record<string, { files: Record<string, string>; edit: [string, string] }> = {
  dbmate: {
    files: {
      '001_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
    },
    edit: ['001_a.sql', '-- migrate:up\nCREATE TABLE a (id bigint);\n-- migrate:down\n'],
  },
  'golang-migrate': {
    files: { '1_a.up.sql': 'CREATE TABLE a (id int);\n' },
    edit: ['1_a.up.sql', 'CREATE TABLE a (id bigint);\n'],
  },
  'alembic-sql': {
    files: { '001_a.sql': '-- revision: 001\n-- down_revision:\nCREATE TABLE a (id int);\n' },
    edit: ['001_a.sql', '-- revision: 001\n-- down_revision:\nCREATE TABLE a (id bigint);\n'],
  },
};

describe('an applied migration changed since an earlier run applied it', () => {
  for (const [layout, { files, edit }] of Object.entries(LAYOUTS)) {
    it(`${layout}: the next run names the file and the run that applied it, nothing runs`, async () => {
      const d = uniqueName(`rb_earlier_${layout.replace('-', '_')}`);
      created.push(d);
      const dir = folder(`earlier-${layout}`, files);
      const first = await upgrade(d, dir);
      expect(first.code, first.stderr + first.stdout).toBe(0);
      const firstRun = cli.lastRunId();
      writeFileSync(path.join(dir, edit[0]), edit[1]);
      writeFileSync(
        path.join(dir, layout === 'golang-migrate' ? '2_b.up.sql' : '002_b.sql'),
        layout === 'dbmate'
          ? '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\n'
          : layout === 'alembic-sql'
            ? '-- revision: 002\n-- down_revision: 001\nCREATE TABLE b (id int);\n'
            : 'CREATE TABLE b (id int);\n',
      );
      const second = await upgrade(d, dir);
      expect(second.code).not.toBe(0);
      const out = second.stdout + second.stderr;
      expect(out).toContain(`MIGRATION_CHANGED`);
      expect(out).toContain(`${edit[0]} (run ${firstRun})`);
      const secondRun = cli.lastRunId();
      const changed = cli.events(secondRun).find((e) => e.type === 'migration.changed');
      expect(changed?.data).toMatchObject({ earlier_run: firstRun, accepted: false });
      expect(await queryRows(d, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
        { absent: true },
      ]);
      // The operator accepts the new content on a resume, and the pending migration runs.
      const resumed = await cli.runbook(['resume', secondRun, '--allow-changed']);
      expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
      expect(await queryRows(d, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
        { absent: false },
      ]);
    });
  }
});

describe("an applied Prisma migration whose file no longer matches _prisma_migrations' checksum", () => {
  it('is named on any run, with no earlier run at hand, as the table records it; nothing runs', async () => {
    const d = uniqueName('rb_prisma_table_checksum');
    created.push(d);
    const dir = path.join(cli.ws.dir, 'prisma-table-checksum');
    mkdirSync(path.join(dir, '20240101000000_init'), { recursive: true });
    writeFileSync(
      path.join(dir, '20240101000000_init', 'migration.sql'),
      'CREATE TABLE a (id int);\n',
    );
    const first = await upgrade(d, dir);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    // The database as Prisma (or another machine) left it: no earlier run in this runs folder.
    rmSync(path.join(cli.runsDir, cli.lastRunId()), { recursive: true });
    writeFileSync(
      path.join(dir, '20240101000000_init', 'migration.sql'),
      'CREATE TABLE a (id bigint);\n',
    );
    mkdirSync(path.join(dir, '20240102000000_b'));
    writeFileSync(
      path.join(dir, '20240102000000_b', 'migration.sql'),
      'CREATE TABLE b (id int);\n',
    );
    const second = await upgrade(d, dir);
    expect(second.code).toBe(1);
    const out = second.stdout + second.stderr;
    expect(out).toContain('MIGRATION_CHANGED');
    expect(out).toContain('20240101000000_init/migration.sql (_prisma_migrations)');
    const changed = cli.events(cli.lastRunId()).find((e) => e.type === 'migration.changed');
    expect(changed?.data).toMatchObject({ version_table: '_prisma_migrations', accepted: false });
    expect(await queryRows(d, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
      { absent: true },
    ]);
  });
});

import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  dropDatabases,
  execSqlFile,
  queryRows,
  type LoggedEvent,
  type ProcedureCli,
} from './support/procedure-cli.js';

let cli: ProcedureCli;
let copyRoot: string;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
  copyRoot = await mkdtemp(path.join(os.tmpdir(), 'runbook-nova-before-'));
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
  if (copyRoot) await rm(copyRoot, { recursive: true, force: true });
});

/** The README's value for allow_out_of_band, verbatim. */
const ALLOW_OUT_OF_BAND =
  'allow_out_of_band={runs: "ORM-bootstrapped, pre-created before 065", agents: "ORM-bootstrapped, pre-created before 073"}';

const VERSION = 'SELECT version_num AS v FROM alembic_version';

/** Tables (partitioned included) outside the catalogs: the report's 187 with alembic_version. */
const TABLE_COUNT = `SELECT count(*)::int AS n FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`;

/** The revisions applied by each attempt of the run, in log order. */
function appliedPerAttempt(events: LoggedEvent[]): string[][] {
  const attempts: string[][] = [[]];
  for (const e of events) {
    if (e.type === 'run.resumed') attempts.push([]);
    if (e.type === 'migration.applied') attempts.at(-1)!.push(String(e.data.revision));
  }
  return attempts;
}

describe('README walkthrough on a copy of examples/nova/before', () => {
  it(
    'fails at 065, then 073, then 115; fixed by hand each time, resumed, finished and replayed',
    { timeout: 150_000 },
    async () => {
      const database = uniqueName('rb_walk');
      created.push(database);
      const migrations = path.join(copyRoot, 'nova-before');
      await cp(path.join(REPO, 'examples/nova/before'), migrations, { recursive: true });

      // 1. run: stops at 065 on the ORM-bootstrapped "runs".
      const run = await cli.runbook([
      'run', 'local-equivalence',
      '--param', `database=${database}`,
      '--param', `migrations=${migrations}`,
      '--param', ALLOW_OUT_OF_BAND,
    ]); // prettier-ignore
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('42P01 relation "runs" does not exist');
      const runId = cli.lastRunId();
      expect(runId).toMatch(/^local-equivalence-\d{8}T\d{6}Z-[0-9a-f]{4}$/);

      // 2. inspect last: why, where, and what completed.
      const inspect = await cli.runbook(['inspect', 'last']);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain('42P01');
      expect(inspect.stdout).toContain('relation "runs" does not exist');
      expect(inspect.stdout).toMatch(/migration\s+065_add_run_authorization/);
      expect(inspect.stdout).toContain(`${migrations}/065_add_run_authorization.sql:5`);
      expect(inspect.stdout).toContain('ALTER TABLE runs ADD COLUMN authorization_decision');
      expect(inspect.stdout).toMatch(
        /diagnosis\s+no migration in the history creates relation "runs"/,
      );
      expect(inspect.stdout).toMatch(/64\/124 migrations applied/);
      expect(inspect.stdout).toContain(`runbook resume ${runId}`);
      expect(await queryRows(database, VERSION)).toEqual([{ v: '064_worker_registry' }]);

      // 3. fix by hand (pg in place of psql), resume: 065 onwards, stops at 073 on "agents".
      await execSqlFile(database, 'examples/nova/fixes/pre-create-runs.sql');
      const second = await cli.runbook(['resume', 'last']);
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toContain('42P01 relation "agents" does not exist');
      expect(second.stderr).toContain('073_add_synthetic_flags');
      let attempts = appliedPerAttempt(cli.events(runId));
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).toHaveLength(64);
      expect(attempts[0]!.at(-1)).toBe('064_worker_registry');
      expect(attempts[1]![0]).toBe('065_add_run_authorization'); // 001-064 not re-applied
      expect(attempts[1]).toHaveLength(8);
      expect(attempts[1]!.at(-1)).toBe('072_llm_run_records');

      // 4. pre-create agents, resume: stops at 115, and the diagnosis names 075.
      await execSqlFile(database, 'examples/nova/fixes/pre-create-agents.sql');
      const third = await cli.runbook(['resume', 'last']);
      expect(third.code, third.stderr).toBe(1);
      expect(third.stderr).toContain('relation "sdsr_incidents" does not exist');
      expect(third.stderr).toMatch(
        /diagnosis: .*dropped by migration 075_consolidate_sdsr_incidents/,
      );
      expect(third.stderr).toContain('migration 115_add_inflection_point_metadata still uses it');
      attempts = appliedPerAttempt(cli.events(runId));
      expect(attempts[2]![0]).toBe('073_add_synthetic_flags');
      expect(attempts[2]).toHaveLength(42);
      expect(attempts[2]!.at(-1)).toBe('114_log_exports_status');

      // 5. replace 115 in the copy (pending, so allowed), resume: finishes.
      await cp(
        path.join(REPO, 'examples/nova/fixes/115_add_inflection_point_metadata.sql'),
        path.join(migrations, '115_add_inflection_point_metadata.sql'),
      );
      const last = await cli.runbook(['resume', 'last']);
      expect(last.code, last.stderr).toBe(0);
      const events = cli.events(runId);
      const changed = events.filter((e) => e.type === 'migration.changed');
      expect(changed).toHaveLength(1);
      expect(changed[0]!.data).toMatchObject({
        revision: '115_add_inflection_point_metadata',
        applied: false,
        accepted: true,
      });
      expect(changed[0]!.data.old_checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(changed[0]!.data.new_checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(changed[0]!.data.old_checksum).not.toBe(changed[0]!.data.new_checksum);
      attempts = appliedPerAttempt(events);
      expect(attempts[3]![0]).toBe('115_add_inflection_point_metadata');
      const all = attempts.flat();
      expect(all).toHaveLength(124);
      expect(new Set(all).size).toBe(124); // nothing applied twice across the four attempts

      const checklist = cli.checklist(runId);
      expect(checklist).toHaveLength(5);
      expect(checklist.map((c) => [c.item, c.status])).toEqual([
        ['DB dropped and recreated', 'PASS'],
        ['Migrations ran without stamp', 'PASS'],
        ['Table count verified', 'PASS'],
        ['alembic_version verified', 'PASS'],
        ['No ORM bootstrap occurred during migration', 'PASS'],
      ]);
      expect(await queryRows(database, VERSION)).toEqual([{ v: '124_prevention_records_run_id' }]);
      expect(await queryRows(database, TABLE_COUNT)).toEqual([{ n: 187 }]);

      // 6. replay last: offline verification of the whole log.
      const replay = await cli.runbook(['replay', 'last'], { databaseUrl: null });
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain('hash chain intact');
    },
  );

  it('local-equivalence on examples/nova/after (default params, own database) passes all five items', async () => {
    const database = uniqueName('rb_after');
    created.push(database);
    const run = await cli.runbook(['run', 'local-equivalence', '--param', `database=${database}`]);
    expect(run.code, run.stderr).toBe(0);
    const runId = cli.lastRunId();
    const checklist = cli.checklist(runId);
    expect(checklist).toHaveLength(5);
    for (const c of checklist) expect(c.status, `${c.item}: ${c.evidence}`).toBe('PASS');
    expect(checklist.find((c) => c.step === 'migrate')!.evidence).toContain('125 migration(s)');
    expect(run.stderr).toMatch(/Execution checklist/);
    expect(await queryRows(database, VERSION)).toEqual([{ v: '124_prevention_records_run_id' }]);
    expect(await queryRows(database, TABLE_COUNT)).toEqual([{ n: 187 }]);
  });
});

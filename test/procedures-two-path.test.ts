import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProcedureCli,
  databasesStartingWith,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

let cli: ProcedureCli;
/** Scratch databases a test kept on purpose: dropped here whatever happens. */
const kept: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  // Anything left by one of this file's runs (each scratch name carries its run id).
  for (const runId of cli?.runIds() ?? []) kept.push(...(await scratchOf(runId)));
  await dropDatabases(kept);
  await cli?.dispose();
});

/** The scratch databases of a run that still exist (Path A and Path B). */
function scratchOf(runId: string): Promise<string[]> {
  return databasesStartingWith('rb_path_').then((names) =>
    names.filter((n) => n === `rb_path_a_${runId}` || n === `rb_path_b_${runId}`),
  );
}

/** Steps that succeeded having really run (not skipped by their when:/unless: condition). */
function ranSteps(runId: string): string[] {
  return cli
    .events(runId)
    .filter((e) => e.type === 'step.succeeded' && e.data.condition_skipped !== true)
    .map((e) => e.step!);
}

function hasPsql(): boolean {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A shell command building the ORM schema of nova in `$DATABASE_URL` (cwd: the repo root). */
function bootstrapCommand(): string {
  if (hasPsql())
    return 'psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f examples/nova/orm-bootstrap.sql';
  const script =
    "const pg=require('pg');const fs=require('fs');const c=new pg.Client(process.env.DATABASE_URL);" +
    "c.connect().then(()=>c.query(fs.readFileSync('examples/nova/orm-bootstrap.sql','utf8')))" +
    '.then(()=>c.end(),(e)=>{console.error(e.message);process.exit(1);});';
  return `node -e "${script}"`;
}

describe('two-path-ci', () => {
  it('examples/nova/after with the ORM bootstrap SQL: PASS, scratch databases dropped', async () => {
    const run = await cli.runbook([
      'run', 'two-path-ci',
      '--param', 'migrations=examples/nova/after',
      '--param', 'bootstrap=examples/nova/orm-bootstrap.sql',
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(0);
    const runId = cli.lastRunId();
    const report = cli.artifact(runId, 'two-path-report.txt');
    expect(report).toMatch(/^Two-path migration check: PASS/);
    expect(report).toMatch(/Path A \(clean DB, upgrade from empty\):\s+succeeded/);
    expect(report).toMatch(/Path B \(ORM bootstrap, then stamp head\):\s+succeeded/);
    expect(report).toMatch(/Schemas equal \(version table aside\):\s+yes/);
    const checklist = cli.checklist(runId);
    for (const c of checklist) expect(c.status, `${c.item}: ${c.evidence}`).toBe('PASS');
    // Both paths really ran: Path A migrated, Path B bootstrapped by SQL, not by command.
    const ran = ranSteps(runId);
    expect(ran).toEqual(
      expect.arrayContaining(['a-upgrade', 'b-bootstrap-sql', 'b-stamp', 'compare']),
    );
    expect(ran).not.toContain('b-bootstrap-command');
    expect(await scratchOf(runId)).toEqual([]);
  });

  it('examples/nova/before: FAIL naming the missing CREATE TABLE guard, scratch databases dropped', async () => {
    const run = await cli.runbook([
      'run', 'two-path-ci',
      '--param', 'migrations=examples/nova/before',
      '--param', 'bootstrap=examples/nova/orm-bootstrap.sql',
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const runId = cli.lastRunId();
    const report = cli.artifact(runId, 'two-path-report.txt');
    expect(report).toMatch(/^Two-path migration check: FAIL/);
    expect(report).toMatch(/Path A \(clean DB, upgrade from empty\):\s+failed/);
    expect(report).toContain('[missing CREATE TABLE migration for an ORM-owned table]');
    expect(report).toContain('relation "runs" does not exist');
    expect(report).toContain('065_add_run_authorization');
    const status = Object.fromEntries(cli.checklist(runId).map((c) => [c.step, c.status]));
    expect(status).toMatchObject({ 'a-upgrade': 'FAIL', report: 'FAIL', 'drop-b': 'PASS' });
    expect(await scratchOf(runId)).toEqual([]);
  });

  it('bootstrap_command with keep=true: PASS, and both scratch databases remain', async () => {
    const run = await cli.runbook([
      'run', 'two-path-ci',
      '--param', 'migrations=examples/nova/after',
      '--param', `bootstrap_command=${JSON.stringify(bootstrapCommand())}`,
      '--param', 'keep=true',
    ]); // prettier-ignore
    const runId = cli.lastRunId();
    const scratch = await scratchOf(runId);
    kept.push(...scratch);
    expect(run.code, run.stderr).toBe(0);
    expect(cli.artifact(runId, 'two-path-report.txt')).toMatch(/^Two-path migration check: PASS/);
    const status = Object.fromEntries(cli.checklist(runId).map((c) => [c.step, c.status]));
    expect(status).toMatchObject({
      'b-verify-stamp': 'PASS',
      compare: 'PASS',
      'drop-b': 'SKIPPED',
    });
    const ran = ranSteps(runId);
    expect(ran).toContain('b-bootstrap-command');
    expect(ran).not.toContain('b-bootstrap-sql');

    expect(scratch.sort()).toEqual([`rb_path_a_${runId}`, `rb_path_b_${runId}`]);
    // Path B was built by the command and stamped; Path A by the migrations.
    for (const db of scratch) {
      const version = await queryRows(db, 'SELECT version_num AS v FROM alembic_version');
      expect(version, db).toEqual([{ v: '124_prevention_records_run_id' }]);
      const runs = await queryRows(db, "SELECT to_regclass('public.runs') IS NOT NULL AS ok");
      expect(runs, db).toEqual([{ ok: true }]);
    }
    await dropDatabases(scratch);
    expect(await scratchOf(runId)).toEqual([]);
  });
});

describe('two-path-ci: the verdict waits for both paths', () => {
  it('Path A fails at once while Path B is slow: report starts after b-verify-stamp and agrees with the checklist', async () => {
    // Path A fails on its first migration (the ORM-owned table is missing); Path B's bootstrap
    // takes a while, so Path A has stopped long before Path B's steps are done.
    const dir = path.join(cli.ws.dir, 'slow-b');
    const history = path.join(dir, 'migrations');
    mkdirSync(history, { recursive: true });
    writeFileSync(
      path.join(history, '001_alter_items.sql'),
      '-- revision: 001_alter_items\n-- down_revision:\nALTER TABLE items ADD COLUMN note text;\n',
    );
    writeFileSync(
      path.join(history, '002_tags.sql'),
      '-- revision: 002_tags\n-- down_revision: 001_alter_items\nCREATE TABLE tags (id int);\n',
    );
    const bootstrap = path.join(dir, 'bootstrap.sql');
    writeFileSync(
      bootstrap,
      'SELECT pg_sleep(3);\nCREATE TABLE items (id int PRIMARY KEY, note text);\nCREATE TABLE tags (id int);\n',
    );
    const run = await cli.runbook([
      'run', 'two-path-ci', '--param', `migrations=${history}`, '--param', `bootstrap=${bootstrap}`,
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const runId = cli.lastRunId();
    const events = cli.events(runId);
    const seqOf = (type: string, step: string) =>
      events.find((e) => e.type === type && e.step === step)?.seq ?? Number.NaN;
    expect(seqOf('step.failed', 'a-upgrade')).toBeLessThan(seqOf('step.succeeded', 'b-stamp'));
    // No cleanup step starts while a Path B step is still to run.
    const verified = seqOf('step.succeeded', 'b-verify-stamp');
    for (const step of ['report', 'drop-a', 'drop-b'])
      expect(seqOf('step.started', step), step).toBeGreaterThan(verified);
    const report = cli.artifact(runId, 'two-path-report.txt');
    expect(report).toMatch(/^Two-path migration check: FAIL/);
    expect(report).toMatch(/Path A \(clean DB, upgrade from empty\):\s+failed/);
    expect(report).toMatch(/Path B \(ORM bootstrap, then stamp head\):\s+succeeded/);
    const status = Object.fromEntries(cli.checklist(runId).map((c) => [c.step, c.status]));
    expect(status).toMatchObject({
      'a-upgrade': 'FAIL',
      'b-verify-stamp': 'PASS',
      compare: 'NOT RUN',
      report: 'FAIL',
      'drop-b': 'PASS',
    });
    expect(await scratchOf(runId)).toEqual([]);
  });
});

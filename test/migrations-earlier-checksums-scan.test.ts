import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// A run finds the checksums earlier runs applied to its database from its folder in their migrate
// checkpoints, which name both (docs/design.md "Checksums"); older checkpoints, which do not, are
// matched by their run's provenance.json.

let cli: ProcedureCli;
const created: string[] = [];

beforeAll(async () => {
  cli = await createProcedureCli();
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
});

const A = '-- revision: 001\n-- down_revision:\nCREATE TABLE a (id int);\n';
const A_EDITED = '-- revision: 001\n-- down_revision:\nCREATE TABLE a (id bigint);\n';
const B = '-- revision: 002\n-- down_revision: 001\nCREATE TABLE b (id int);\n';
const B_BROKEN = '-- revision: 002\n-- down_revision: 001\nCREATE TABLE b (id no_such_type);\n';
const B_EDITED = '-- revision: 002\n-- down_revision: 001\nCREATE TABLE b (id bigint);\n';

function folder(name: string): string {
  const dir = path.join(cli.ws.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '001_a.sql'), A);
  return dir;
}

function upgradeTo(database: string, dir: string, target = 'head') {
  return cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
    '--param', `target=${target}`,
  ]); // prettier-ignore
}

async function upgrade(database: string, dir: string): Promise<string> {
  const r = await upgradeTo(database, dir);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return cli.lastRunId();
}

type Progress = Record<string, Record<string, unknown>>;
const snapshotFile = (runId: string): string => path.join(cli.runsDir, runId, 'snapshot.json');

function migrateProgress(runId: string): Record<string, unknown> {
  const snapshot = JSON.parse(readFileSync(snapshotFile(runId), 'utf8')) as { progress: Progress };
  return snapshot.progress.migrate ?? {};
}

/** Rewrites a run's migrate checkpoint as a runbook that did not name its database wrote it. */
function unnamed(runId: string): void {
  const snapshot = JSON.parse(readFileSync(snapshotFile(runId), 'utf8')) as { progress: Progress };
  const { database: _d, source: _s, ...rest } = snapshot.progress.migrate ?? {};
  snapshot.progress.migrate = rest;
  writeFileSync(snapshotFile(runId), JSON.stringify(snapshot, null, 2) + '\n');
}

/** Edits the applied 001 and adds 002; the next upgrade must refuse, naming `applier`. */
async function expectRefusedNaming(database: string, dir: string, applier: string): Promise<void> {
  writeFileSync(path.join(dir, '001_a.sql'), A_EDITED);
  writeFileSync(path.join(dir, '002_b.sql'), B);
  const r = await cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
  ]); // prettier-ignore
  expect(r.code, r.stderr + r.stdout).toBe(1);
  expect(r.stdout + r.stderr).toContain(`MIGRATION_CHANGED`);
  expect(r.stdout + r.stderr).toContain(`001_a.sql (run ${applier})`);
  const changed = cli.events(cli.lastRunId()).find((e) => e.type === 'migration.changed');
  expect(changed?.data).toMatchObject({ earlier_run: applier, accepted: false });
  expect(await queryRows(database, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
    { absent: true },
  ]);
}

/**
 * A database where run `applier` applied 001 and run `stopped` then failed on a broken 002 (its
 * resume is what each test varies).
 */
async function stoppedAfter001(name: string) {
  const d = uniqueName(`rb_${name}`.replace(/-/g, '_'));
  created.push(d);
  const dir = folder(name);
  writeFileSync(path.join(dir, '002_b.sql'), B_BROKEN);
  expect((await upgradeTo(d, dir, '001')).code).toBe(0);
  const applier = cli.lastRunId();
  expect((await upgradeTo(d, dir)).code).toBe(1);
  return { d, dir, applier, stopped: cli.lastRunId() };
}

describe('the checksums earlier runs applied', () => {
  it('after many runs, a changed applied migration is refused naming the run that applied it', async () => {
    const d = uniqueName('rb_scan');
    created.push(d);
    const dir = folder('scan');
    const applier = await upgrade(d, dir);
    for (let i = 0; i < 3; i++) await upgrade(d, dir);
    const newest = await upgrade(d, dir);
    expect(migrateProgress(newest)).toMatchObject({ database: d, source: dir, applied: [] });
    await expectRefusedNaming(d, dir, applier);
  });

  it('runs that apply nothing keep the record: with its run gone, a change is still refused', async () => {
    const d = uniqueName('rb_scan_kept');
    created.push(d);
    const dir = folder('scan-kept');
    const applier = await upgrade(d, dir);
    const noop = await upgrade(d, dir);
    expect(migrateProgress(noop)).toMatchObject({ kept: { '001': applier } });
    rmSync(path.join(cli.runsDir, applier), { recursive: true });
    await expectRefusedNaming(d, dir, applier);
  });

  it('a migration an older run applied when resumed after newer runs is checked too', async () => {
    const { d, dir, stopped: failed } = await stoppedAfter001('scan-resumed');
    // A newer run that applies nothing, then the older one resumed: it applies 002.
    expect((await upgradeTo(d, dir, '001')).code).toBe(0);
    writeFileSync(path.join(dir, '002_b.sql'), B);
    const resumed = await cli.runbook(['resume', failed]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(migrateProgress(failed)).toMatchObject({ applied: ['002'] });
    writeFileSync(path.join(dir, '002_b.sql'), B_EDITED);
    const r = await upgradeTo(d, dir);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout + r.stderr).toContain(`002_b.sql (run ${failed})`);
  });

  it('matches earlier checkpoints that name no database by their provenance', async () => {
    const d = uniqueName('rb_scan_old');
    const other = uniqueName('rb_scan_other');
    created.push(d, other);
    const dir = folder('scan-old');
    const applier = await upgrade(d, dir);
    const noop = await upgrade(d, dir);
    for (const id of [applier, noop]) unnamed(id);
    // The newest run is of another database and folder: not this one's.
    const otherRun = await upgrade(other, folder('scan-other'));
    expect(migrateProgress(otherRun)).toMatchObject({ database: other });
    await expectRefusedNaming(d, dir, applier);
  });

  it('a resume with --allow-changed applies the pending migration; the change then stands', async () => {
    const d = uniqueName('rb_scan_resume');
    created.push(d);
    const dir = folder('scan-resume');
    const applier = await upgrade(d, dir);
    await expectRefusedNaming(d, dir, applier);
    const refused = cli.lastRunId();
    const resumed = await cli.runbook(['resume', refused, '--allow-changed']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(migrateProgress(refused)).toMatchObject({ applied: ['002'], kept: { '001': refused } });
    expect(await queryRows(d, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
      { absent: false },
    ]);
    // The accepted content is the record from then on: the next run takes it as it is.
    const next = await upgradeTo(d, dir);
    expect(next.code, next.stderr + next.stdout).toBe(0);
    expect(next.stdout + next.stderr).not.toContain('MIGRATION_CHANGED');
  });

  it('a change accepted while an older run was stopped stands after that run is resumed', async () => {
    const { d, dir, applier, stopped } = await stoppedAfter001('scan-replaced');
    writeFileSync(path.join(dir, '001_a.sql'), A_EDITED);
    expect((await upgradeTo(d, dir, '001')).code).toBe(1);
    const accepting = cli.lastRunId();
    const accepted = await cli.runbook(['resume', accepting, '--allow-changed']);
    expect(accepted.code, accepted.stderr + accepted.stdout).toBe(0);
    expect(migrateProgress(accepting)).toMatchObject({
      kept: { '001': accepting },
      replaced: { '001': applier },
    });
    // The stopped run, resumed with the old content, still carries the applier's record.
    writeFileSync(path.join(dir, '001_a.sql'), A);
    writeFileSync(path.join(dir, '002_b.sql'), B);
    const resumed = await cli.runbook(['resume', stopped]);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const old = await upgradeTo(d, dir);
    expect(old.code, old.stderr + old.stdout).toBe(1);
    expect(old.stdout + old.stderr).toContain(`001_a.sql (run ${accepting})`);
    writeFileSync(path.join(dir, '001_a.sql'), A_EDITED);
    const current = await upgradeTo(d, dir);
    expect(current.code, current.stderr + current.stdout).toBe(0);
  });

  it("a change a resume accepts in its own check is that run's record", async () => {
    const { d, dir, applier, stopped } = await stoppedAfter001('scan-own');
    writeFileSync(path.join(dir, '001_a.sql'), A_EDITED);
    writeFileSync(path.join(dir, '002_b.sql'), B);
    const resumed = await cli.runbook(['resume', stopped, '--allow-changed']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(migrateProgress(stopped)).toMatchObject({
      kept: { '001': stopped },
      replaced: { '001': applier },
    });
    writeFileSync(path.join(dir, '001_a.sql'), A);
    const next = await upgradeTo(d, dir);
    expect(next.code, next.stderr + next.stdout).toBe(1);
    expect(next.stdout + next.stderr).toContain(`001_a.sql (run ${stopped})`);
  });
});

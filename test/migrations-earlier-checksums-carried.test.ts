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

// Each run's migrate checkpoint carries forward the checksums earlier runs applied (docs/design.md
// "Checksums"), so a run reads the newest earlier run of its database and folder, not all of them.

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

function folder(name: string): string {
  const dir = path.join(cli.ws.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '001_a.sql'), A);
  return dir;
}

async function upgrade(database: string, dir: string): Promise<string> {
  const r = await cli.runbook([
    'run', 'upgrade', '--param', `database=${database}`, '--param', `migrations=${dir}`,
  ]); // prettier-ignore
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return cli.lastRunId();
}

type Progress = Record<string, Record<string, unknown>>;
const snapshotFile = (runId: string): string => path.join(cli.runsDir, runId, 'snapshot.json');

function migrateProgress(runId: string): Record<string, unknown> {
  const snapshot = JSON.parse(readFileSync(snapshotFile(runId), 'utf8')) as { progress: Progress };
  return snapshot.progress.migrate ?? {};
}

/** Rewrites a run's migrate checkpoint as a runbook that did not carry the map wrote it. */
function withoutCarriedMap(runId: string): void {
  const snapshot = JSON.parse(readFileSync(snapshotFile(runId), 'utf8')) as { progress: Progress };
  const { database: _d, source: _s, earlier: _e, ...rest } = snapshot.progress.migrate ?? {};
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

describe('earlier checksums carried forward from run to run', () => {
  it('after many runs, a changed applied migration is refused naming its run, from the newest run alone', async () => {
    const d = uniqueName('rb_carried');
    created.push(d);
    const dir = folder('carried');
    const applier = await upgrade(d, dir);
    const between: string[] = [];
    for (let i = 0; i < 3; i++) between.push(await upgrade(d, dir));
    const newest = await upgrade(d, dir);
    const cp = migrateProgress(newest);
    expect(cp).toMatchObject({ database: d, source: dir });
    expect(Object.keys(cp.earlier as object)).toEqual([applier]);
    expect(Object.keys((cp.earlier as Record<string, object>)[applier] ?? {})).toEqual(['001']);
    // Only the newest run is read: the one that applied 001 is gone, those between unreadable.
    rmSync(path.join(cli.runsDir, applier), { recursive: true });
    for (const id of between) writeFileSync(snapshotFile(id), 'not json\n');
    await expectRefusedNaming(d, dir, applier);
  });

  it('falls back to earlier runs whose checkpoints carry no map, matched by their provenance', async () => {
    const d = uniqueName('rb_carried_old');
    const other = uniqueName('rb_carried_other');
    created.push(d, other);
    const dir = folder('carried-old');
    const applier = await upgrade(d, dir);
    const noop = await upgrade(d, dir);
    for (const id of [applier, noop]) withoutCarriedMap(id);
    // The newest run carries a map, but of another database and folder: not this one's.
    const otherRun = await upgrade(other, folder('carried-other'));
    expect(migrateProgress(otherRun)).toMatchObject({ database: other });
    await expectRefusedNaming(d, dir, applier);
  });

  it('a resume with --allow-changed applies the pending migration and carries the map on', async () => {
    const d = uniqueName('rb_carried_resume');
    created.push(d);
    const dir = folder('carried-resume');
    const applier = await upgrade(d, dir);
    await expectRefusedNaming(d, dir, applier);
    const refused = cli.lastRunId();
    const resumed = await cli.runbook(['resume', refused, '--allow-changed']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const cp = migrateProgress(refused);
    expect(cp.applied).toEqual(['002']);
    expect(Object.keys((cp.earlier as Record<string, object>)[applier] ?? {})).toEqual(['001']);
    expect(await queryRows(d, `SELECT to_regclass('b') IS NULL AS absent`)).toEqual([
      { absent: false },
    ]);
  });
});

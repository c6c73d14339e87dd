import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import {
  createCliWorkspace,
  parseJson,
  type CliProcess,
  type CliWorkspace,
} from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import {
  dropAll,
  expectAtHeadOnce,
  queryDb,
  replayLogs,
  writeFleetProject,
  writeTargets,
} from './support/fleet-fixtures.js';

/*
 * `runbook fleet run --queue` and three `runbook worker` processes over 100 databases: one worker
 * SIGKILLed mid-fleet, its targets taken over by the others and resumed from their checkpoints;
 * every target at head with every migration applied once, every run's log replaying; a target
 * that failed is left for `fleet resume`, which the workers then complete.
 */

const COUNT = 100;
const FAILING = 11;

let db: TestDatabase;
let ws: CliWorkspace;
let storeUrl: string;
const workers: CliProcess[] = [];
const name = (i: number): string => `${db.name}_w${String(i).padStart(3, '0')}`;

interface TargetRow {
  name: string;
  status: string;
  drives: number;
  run_id: string;
  code: string | null;
}

async function targets(fleet: string): Promise<TargetRow[]> {
  return queryDb<TargetRow>(
    db.adminUrl,
    `${db.name}_store`,
    `SELECT name, status, drives, run_id, code FROM runbook.fleet_targets
      WHERE fleet_id = '${fleet}' ORDER BY position`,
  );
}

/** Polls the fleet until no target is pending or running. */
async function settled(fleet: string, timeoutMs: number): Promise<TargetRow[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await targets(fleet);
    if (rows.every((r) => r.status !== 'pending' && r.status !== 'running')) return rows;
    if (Date.now() > until)
      throw new Error(
        `fleet not settled: ${JSON.stringify(rows.filter((r) => r.status === 'pending' || r.status === 'running'))}`,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
}

function startWorker(): CliProcess {
  const w = ws.start(['worker', '--store', storeUrl, '--concurrency', '2', '--lock-timeout', '3']);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  db = await createTestDatabase('fleetw');
  await adminQuery(`CREATE DATABASE ${quoteIdent(`${db.name}_store`)}`);
  storeUrl = withDatabase(db.adminUrl, `${db.name}_store`);
  ws = await createCliWorkspace('runbook-fleet-workers-');
  await writeFleetProject(ws);
  await adminQuery(`CREATE DATABASE ${quoteIdent(name(FAILING))}`);
  await queryDb(
    db.adminUrl,
    name(FAILING),
    `CREATE TABLE accounts (id int PRIMARY KEY, email text);
    INSERT INTO accounts VALUES (1, 'a@x'), (2, 'a@x')`,
  );
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await ws?.dispose();
  await dropAll(db);
}, 600_000);

describe('runbook worker', () => {
  it('three workers, one SIGKILLed mid-fleet: every target at head once, logs verify; a failed target waits for fleet resume', async () => {
    const list = Array.from({ length: COUNT }, (_, i) => `  - database: ${name(i)}`).join('\n');
    const file = await writeTargets(
      ws,
      'targets.yaml',
      `params: { migrations: migrations }\ntargets:\n${list}\n`,
    );
    const queued = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--queue', '--store', storeUrl, '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(queued.code, queued.stderr).toBe(0);
    const { fleet, queued: n } = parseJson<{ fleet: string; queued: number }>(queued.stdout);
    expect(n).toBe(COUNT);
    // Nothing runs before a worker takes it.
    expect((await targets(fleet)).every((t) => t.status === 'pending')).toBe(true);

    const [victim] = [startWorker(), startWorker(), startWorker()];
    const taken = (w: CliProcess): string[] =>
      [...w.stderr().matchAll(/ (\S+): taken, run /g)].map((m) => m[1]!);
    const finished = (w: CliProcess): string[] =>
      [...w.stderr().matchAll(/ (\S+): (succeeded|failed|incomplete|refused)\b/gm)].map(
        (m) => m[1]!,
      );
    // Kill the victim while it drives targets (taken, not finished, `running` in the fleet), after
    // it finished a few.
    const open = (): string[] => {
      const done = new Set(finished(victim!));
      return taken(victim!).filter((t) => !done.has(t));
    };
    const inFlightNow = async (): Promise<string[]> => {
      const running = new Set(
        (await targets(fleet)).filter((r) => r.status === 'running').map((r) => r.name),
      );
      return open().filter((t) => running.has(t));
    };
    const until = Date.now() + 120_000;
    for (;;) {
      if (Date.now() > until)
        throw new Error(`the victim never was mid-fleet: ${victim!.stderr()}`);
      if (finished(victim!).length >= 5 && (await inFlightNow()).length > 0) {
        // Frozen, it can finish nothing more: once what it sent has landed (its output read, its
        // last statements done), a target still in flight is one the kill leaves mid-drive.
        victim!.child.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 300));
        if ((await inFlightNow()).length > 0) break;
        victim!.child.kill('SIGCONT');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    victim!.child.kill('SIGKILL');
    await victim!.done;
    // What the victim left mid-drive: taken, never reported finished, still `running`.
    const running = new Set(
      (await targets(fleet)).filter((r) => r.status === 'running').map((r) => r.name),
    );
    const inFlight = open().filter((t) => running.has(t));
    expect(inFlight.length).toBeGreaterThan(0);

    const rows = await settled(fleet, 240_000);
    const notOk = rows.filter((r) => r.status !== 'succeeded');
    expect(notOk).toEqual([
      expect.objectContaining({ name: name(FAILING), status: 'failed', code: '23505', drives: 1 }),
    ]);
    // The victim's targets in flight were taken over by another worker and driven again.
    for (const t of inFlight)
      expect(rows.find((r) => r.name === t)?.drives).toBeGreaterThanOrEqual(2);
    const others = workers
      .slice(1)
      .map((w) => w.stderr())
      .join('');
    for (const t of inFlight) expect(others).toContain(`${t}: taken`);
    expect(others).toContain('(its worker stopped: resuming)');
    for (let i = 0; i < COUNT; i++) if (i !== FAILING) await expectAtHeadOnce(db.adminUrl, name(i));
    // The failed target is not retried blindly: still one drive after the workers went idle.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await targets(fleet))[FAILING]).toMatchObject({ status: 'failed', drives: 1 });

    await queryDb(db.adminUrl, name(FAILING), 'DELETE FROM accounts WHERE id = 2');
    const resumed = await ws.cli(['fleet', 'resume', fleet, '--store', storeUrl]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('1 targets queued again');
    const after = await settled(fleet, 120_000);
    expect(after.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(after[FAILING]!.drives).toBe(2);
    for (let i = 0; i < COUNT; i++) await expectAtHeadOnce(db.adminUrl, name(i));
    const replayed = await replayLogs(
      storeUrl,
      after.map((r) => r.run_id),
    );
    expect(replayed.map((r) => r.status)).toEqual(Array.from({ length: COUNT }, () => 'succeeded'));
    // Each target's log head, recorded by the worker whose drive ended last (the one that took
    // over from the killed worker included), is its verified log's.
    const recorded = await queryDb<{ log_lines: number; log_head: string }>(db.adminUrl, `${db.name}_store`,
      `SELECT log_lines, log_head FROM runbook.fleet_targets WHERE fleet_id = '${fleet}' ORDER BY position`); // prettier-ignore
    expect(recorded).toEqual(replayed.map((r) => ({ log_lines: r.lines, log_head: r.head })));

    const inspected = await ws.cli(['fleet', 'inspect', fleet, '--store', storeUrl]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(
      `${COUNT} targets: ${COUNT} succeeded, 0 failed, 0 not started`,
    );
    for (const w of workers.slice(1)) w.child.kill('SIGTERM');
    for (const w of workers.slice(1)) expect((await w.done).code).toBe(0);
  }, 600_000);
});

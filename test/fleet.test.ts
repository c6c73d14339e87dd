import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetStore } from '../src/fleet/fleet-store.js';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, parseJson, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import {
  expectAtHeadOnce,
  queryDb,
  dropAll,
  replayAll,
  replayLogs,
  writeFleetProject,
  writeTargets,
} from './support/fleet-fixtures.js';

/*
 * `runbook fleet run` in one process over 104 databases of one server: each target its own run
 * in the PostgreSQL store, the concurrency limits held, one target failing on its own data and
 * completed by `fleet resume` after the fix; bad targets files and a file store refused.
 */

const COUNT = 104;
const PASSWORD = 'fl33t-Secret-pw';
const FAILING = 7;

let db: TestDatabase;
let ws: CliWorkspace;
let storeUrl: string;
const name = (i: number): string => `${db.name}_t${String(i).padStart(3, '0')}`;

interface Inspected {
  fleet: { id: string; procedure: string };
  summary: {
    total: number;
    succeeded: number;
    failed: number;
    notStarted: number;
    running: number;
  };
  targets: {
    name: string;
    runId: string;
    status: string;
    failedStep: string | null;
    code: string | null;
    drives: number;
    log: { lines: number; head: string } | null;
  }[];
}

function seenTarget(seen: Inspected, target: string): Inspected['targets'][number] {
  const t = seen.targets.find((x) => x.name === target);
  if (!t) throw new Error(`no target ${target}`);
  return t;
}

/** Rows of a query on the store database. */
async function storeRows<R extends Record<string, unknown>>(sql: string): Promise<R[]> {
  return queryDb<R>(db.adminUrl, `${db.name}_store`, sql);
}

async function inspect(id: string): Promise<Inspected> {
  const r = await ws.cli(['fleet', 'inspect', id, '--store', storeUrl, '--json']);
  return parseJson<Inspected>(r.stdout);
}

beforeAll(async () => {
  db = await createTestDatabase('fleet');
  await adminQuery(`CREATE DATABASE ${quoteIdent(`${db.name}_store`)}`);
  storeUrl = withDatabase(db.adminUrl, `${db.name}_store`);
  // The fleet tables exist before any test reads them (a test may run alone with -t).
  const fleets = new FleetStore(storeUrl);
  await fleets.pool();
  await fleets.close();
  ws = await createCliWorkspace('runbook-fleet-');
  await writeFleetProject(ws);
  // The failing target's data: two accounts share an email, so the unique index (migration 2) fails.
  await adminQuery(`CREATE DATABASE ${quoteIdent(name(FAILING))}`);
  await queryDb(
    db.adminUrl,
    name(FAILING),
    `CREATE TABLE accounts (id int PRIMARY KEY, email text);
    INSERT INTO accounts VALUES (1, 'a@x'), (2, 'a@x')`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  await dropAll(db);
}, 600_000);

describe('runbook fleet run (in process)', () => {
  let fleetId: string;
  /** Each target's log head as `fleet run` printed it, by run id. */
  let heads: Map<string, string>;

  it('drives 104 targets, each its own run; the one whose data breaks migration 2 stops alone', async () => {
    const targets = Array.from({ length: COUNT }, (_, i) => `  - database: ${name(i)}`).join('\n');
    const file = await writeTargets(
      ws,
      'targets.yaml',
      `params: { migrations: migrations }\ntargets:\n${targets}\n`,
    );
    const started = Date.now();
    const r = await ws.cli(
      ['fleet', 'run', 'up', '--targets', file, '--concurrency', '8', '--per-server', '6',
        '--store', storeUrl, '--database-url', db.adminUrl, '--json'], // prettier-ignore
    );
    expect(r.code, r.stderr).toBe(1);
    const out = parseJson<{
      fleet: string;
      summary: Inspected['summary'];
      logs: { target: string; runId: string; log: { lines: number; head: string } | null }[];
    }>(r.stdout);
    fleetId = out.fleet;
    // Each target's log head, as a lone run prints its own: one per target, on its progress line too.
    expect(out.logs).toHaveLength(COUNT);
    for (const l of out.logs) {
      expect(l.log?.lines).toBeGreaterThan(0);
      expect(l.log?.head).toMatch(/^[0-9a-f]{64}$/);
      expect(r.stderr).toContain(
        `run ${l.runId}  log ${l.log?.lines} lines, head sha256:${l.log?.head}`,
      );
    }
    heads = new Map(out.logs.map((l) => [l.runId, l.log?.head ?? '']));
    expect(out.summary).toMatchObject({
      total: COUNT,
      succeeded: COUNT - 1,
      failed: 1,
      notStarted: 0,
      running: 0,
    });
    const seen = await inspect(fleetId);
    const failed = seen.targets.filter((t) => t.status !== 'succeeded');
    expect(failed).toEqual([
      expect.objectContaining({
        name: name(FAILING),
        status: 'failed',
        failedStep: 'migrate',
        code: '23505',
        drives: 1,
      }),
    ]);
    expect(new Set(seen.targets.map((t) => t.runId)).size).toBe(COUNT);
    for (let i = 0; i < COUNT; i++) if (i !== FAILING) await expectAtHeadOnce(db.adminUrl, name(i));
    // The failing target stopped after migration 1: version 1 recorded, 2 and 3 not applied.
    expect(
      await queryDb(db.adminUrl, name(FAILING), 'SELECT version FROM applied ORDER BY 1'),
    ).toEqual([{ version: 1 }]);
    // The per-server limit held: never more than 6 runs overlapped (from the runs' own times).
    const runs = await queryDb<{ s: string; e: Date }>(db.adminUrl, `${db.name}_store`,
      `SELECT started_at AS s, updated_at AS e FROM runbook.runs`); // prettier-ignore
    expect(runs).toHaveLength(COUNT);
    const edges = runs.flatMap((x) => [[Date.parse(x.s), 1], [x.e.getTime(), -1]] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]); // prettier-ignore
    let open = 0;
    let most = 0;
    for (const [, d] of edges) most = Math.max(most, (open += d));
    expect(most).toBeLessThanOrEqual(6);
    expect(most).toBeGreaterThan(1);
    console.log(`fleet of ${COUNT}: ${Date.now() - started} ms, at most ${most} at once`);
    // 104 databases on two shared cores: about 25 s alone, more beside the rest of the suite.
  }, 180_000);

  it('inspect prints the per-target table and the summary with the failing step and SQLSTATE', async () => {
    const r = await ws.cli(['fleet', 'inspect', fleetId.slice(0, -2), '--store', storeUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${name(FAILING)}\\s+failed\\s+up-\\S+\\s+migrate 23505`));
    expect(r.stdout).toContain(`${COUNT} targets: ${COUNT - 1} succeeded, 1 failed, 0 not started`);
    expect(r.stdout).toContain('log heads (replay <run> --anchor <head>');
    const failing = seenTarget(await inspect(fleetId), name(FAILING));
    expect(r.stdout).toMatch(
      new RegExp(
        `${name(FAILING)}\\s+${failing.runId}\\s+\\d+ lines, head sha256:${heads.get(failing.runId)}`,
      ),
    );
  });

  it('report --html writes one page for the whole fleet', async () => {
    const html = path.join(ws.dir, 'fleet.html');
    const r = await ws.cli(['fleet', 'report', fleetId, '--html', html, '--store', storeUrl]);
    expect(r.code, r.stderr).toBe(1);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain(`${COUNT} targets: ${COUNT - 1} succeeded, 1 failed, 0 not started`);
    expect(page).toMatch(
      new RegExp(
        `<strong>${name(FAILING)}</strong>: failed at\\s+<code>migrate</code> \\(23505\\)`,
      ),
    );
    expect(page.match(/<tr class=/g)).toHaveLength(COUNT);
    expect(page.match(/<code>\d+ lines, head sha256:[0-9a-f]{64}<\/code>/g)).toHaveLength(COUNT);
    expect(page).not.toMatch(/<script|https?:\/\//);
  });

  it('fleet resume after the fix completes the failed target only; every run replays', async () => {
    await queryDb(db.adminUrl, name(FAILING), 'DELETE FROM accounts WHERE id = 2');
    const r = await ws.cli(['fleet', 'resume', fleetId, '--store', storeUrl, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 targets resumed');
    const seen = await inspect(fleetId);
    expect(seen.summary).toMatchObject({ total: COUNT, succeeded: COUNT, failed: 0 });
    expect(seen.targets.map((t) => t.drives)).toEqual(
      Array.from({ length: COUNT }, (_, i) => (i === FAILING ? 2 : 1)),
    );
    for (let i = 0; i < COUNT; i++) await expectAtHeadOnce(db.adminUrl, name(i));
    // Resumed, not restarted: the failing target kept its one run, which records the retry.
    const statuses = await replayAll(
      storeUrl,
      seen.targets.map((t) => t.runId),
    );
    expect(statuses).toEqual(Array.from({ length: COUNT }, () => 'succeeded'));
    // The resumed target's head moved on with its log; the head `fleet run` printed still
    // anchors it (its lines are the log's first ones), as do the others' theirs.
    const resumed = seenTarget(seen, name(FAILING));
    expect(resumed.log?.head).not.toBe(heads.get(resumed.runId));
    for (const t of [resumed, seenTarget(seen, name(0))]) {
      for (const anchor of [heads.get(t.runId), t.log?.head]) {
        const replay = await ws.cli(['replay', t.runId, '--anchor', `sha256:${anchor}`, '--store', storeUrl]); // prettier-ignore
        expect(replay.code, replay.stdout + replay.stderr).toBe(0);
      }
    }
  });

  it('a target whose run succeeded but whose driver died before recording it gets its head from the verified log', async () => {
    const t = seenTarget(await inspect(fleetId), name(1));
    // The driver died between the run's last line and its record in the fleet tables.
    await storeRows(
      `UPDATE runbook.fleet_targets SET status = 'running', log_lines = NULL, log_head = NULL
        WHERE run_id = '${t.runId}'`,
    );
    const r = await ws.cli(['fleet', 'resume', fleetId, '--store', storeUrl, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [replayed] = await replayLogs(storeUrl, [t.runId]);
    expect(seenTarget(await inspect(fleetId), name(1))).toMatchObject({
      status: 'succeeded',
      log: { lines: replayed!.lines, head: replayed!.head },
    });
    expect(replayed!.lines).toBe(t.log?.lines);
  });

  it('a target whose run.json says succeeded but whose log does not end so fails, with replay as the advice', async () => {
    const t = seenTarget(await inspect(fleetId), name(3));
    // The log cut before its last line (the chain still verifies), run.json left saying succeeded.
    await storeRows(
      `DELETE FROM runbook.events WHERE run_id = '${t.runId}'
          AND seq = (SELECT max(seq) FROM runbook.events WHERE run_id = '${t.runId}');
       UPDATE runbook.fleet_targets SET status = 'running' WHERE run_id = '${t.runId}'`,
    );
    const r = await ws.cli(['fleet', 'resume', fleetId, '--store', storeUrl]);
    expect(r.code).toBe(1);
    expect(seenTarget(await inspect(fleetId), name(3))).toMatchObject({
      status: 'failed',
      code: 'TamperedLogError',
      log: t.log,
    });
    expect(r.stdout).toContain(`its log does not verify: runbook replay ${t.runId}`);
    expect(r.stdout).not.toContain('resume with:');
  });

  it('a query lists the targets; targets already at head apply nothing again', async () => {
    const file = await writeTargets(
      ws,
      'query.yaml',
      `params: { migrations: migrations }
targets:
  - query: SELECT datname FROM pg_database WHERE datname LIKE '${db.name}_t00%' ORDER BY 1
`,
    );
    const r = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<{ summary: Inspected['summary'] }>(r.stdout).summary).toMatchObject({
      total: 10,
      succeeded: 10,
    });
    for (let i = 0; i < 10; i++) await expectAtHeadOnce(db.adminUrl, name(i));
  });
});

describe('configuration', () => {
  it("the config's default params apply under the targets file's", async () => {
    const conf = await createCliWorkspace('runbook-fleet-config-');
    try {
      await writeFleetProject(conf);
      await writeFile(
        path.join(conf.dir, 'runbook.config.yaml'),
        'params:\n  up: { migrations: migrations }\n',
      );
      const file = await writeTargets(conf, 't.yaml', `targets:\n  - database: ${db.name}_cfg\n`);
      const r = await conf.cli(['fleet', 'run', 'up', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl]); // prettier-ignore
      expect(r.code, r.stderr).toBe(0);
      await expectAtHeadOnce(db.adminUrl, `${db.name}_cfg`);
    } finally {
      await conf.dispose();
    }
  });
});

describe('secrets', () => {
  it('a password in a target URL is used to connect, and never printed or stored', async () => {
    const u = new URL(withDatabase(db.adminUrl, `${db.name}_pw`));
    u.password = PASSWORD;
    // libpq keywords in the query, one key percent-encoded: stripped before anything is stored.
    u.search = `?sslmode=disable&pass%77ord=${PASSWORD}&sslpassword=${PASSWORD}`;
    const file = await writeTargets(
      ws,
      'pw.yaml',
      `params: { migrations: migrations }
targets:
  - url: ${u.toString()}
`,
    );
    const r = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--store', storeUrl]);
    expect(r.code, r.stderr).toBe(0);
    await expectAtHeadOnce(db.adminUrl, `${db.name}_pw`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const stored = await queryDb<{ t: string }>(
      db.adminUrl,
      `${db.name}_store`,
      `
      SELECT (SELECT string_agg(f::text, ' ') FROM runbook.fleets f) ||
             (SELECT string_agg(t::text, ' ') FROM runbook.fleet_targets t) ||
             (SELECT string_agg(r.record, ' ') FROM runbook.runs r) ||
             (SELECT string_agg(e.line, ' ') FROM runbook.events e) AS t`,
    );
    expect(stored[0]!.t).toContain(`${db.name}_pw`);
    expect(stored[0]!.t).toContain('sslmode=disable');
    expect(stored[0]!.t).not.toContain(PASSWORD);
  });

  it('a param holding a URL with a password is refused (exit 2); nothing reaches the fleet tables', async () => {
    const file = await writeTargets(
      ws,
      'pw-param.yaml',
      `params: { migrations: migrations, source_url: "postgres://u:${PASSWORD}@h/x" }
targets:
  - database: ${db.name}_pw2
`,
    );
    const r = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl]); // prettier-ignore
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('param source_url holds a password');
    expect(r.stderr).not.toContain(PASSWORD);
    const stored = await storeRows<{ t: string }>(
      `SELECT coalesce((SELECT string_agg(f::text, ' ') FROM runbook.fleets f), '') ||
              coalesce((SELECT string_agg(t::text, ' ') FROM runbook.fleet_targets t), '') AS t`,
    );
    expect(stored[0]!.t).not.toContain(PASSWORD);
    expect(stored[0]!.t).not.toContain(`${db.name}_pw2`);
  });
});

describe('what a fleet refuses', () => {
  it('a targets file problem names file, line and key; nothing runs', async () => {
    const file = await writeTargets(
      ws,
      'bad.yaml',
      `targets:
  - database: ${db.name}_bad1
  - databse: ${db.name}_bad2
  - url: mysql://h/x
`,
    );
    const r = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl]); // prettier-ignore
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3:5: targets[1]`);
    expect(r.stderr).toMatch(/targets\[2\]\.url.*postgres/);
    const rows = await adminQuery(`SELECT 1 FROM pg_database WHERE datname LIKE '${db.name}_bad%'`);
    expect(rows.rowCount).toBe(0);
  });

  it('a file store cannot hold a fleet (exit 2)', async () => {
    const file = await writeTargets(ws, 'one.yaml', `targets:\n  - database: ${db.name}_file\n`);
    const r = await ws.cli(['fleet', 'run', 'up', '--targets', file, '--store', 'runs', '--database-url', db.adminUrl]); // prettier-ignore
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('fleets need a PostgreSQL run store');
  });

  it('a prod target needs the same confirmation as alone; queued unconfirmed is refused; resume --confirm-prod completes it', async () => {
    const prod = await createCliWorkspace('runbook-fleet-prod-');
    try {
      await writeFleetProject(prod, 'prod');
      const file = await writeTargets(
        prod,
        't.yaml',
        `params: { migrations: migrations }
targets: [{ database: ${db.name}_p1 }, { database: ${db.name}_p2 }]
`,
      );
      const args = ['fleet', 'run', 'up', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl, '--role', 'prod', '--json']; // prettier-ignore
      const fleetsBefore = await storeRows('SELECT count(*)::int AS n FROM runbook.fleets');
      const queued = await prod.cli([...args, '--queue']);
      expect(queued.code, queued.stderr).toBe(3);
      expect(queued.stderr).toContain('PROD_UNCONFIRMED');
      expect(await storeRows('SELECT count(*)::int AS n FROM runbook.fleets')).toEqual(
        fleetsBefore,
      );
      const refused = await prod.cli(args);
      expect(refused.code).toBe(1);
      const out = parseJson<{ fleet: string; summary: { failed: number } }>(refused.stdout);
      expect(out.summary.failed).toBe(2);
      const created = `SELECT 1 FROM pg_database WHERE datname IN ('${db.name}_p1', '${db.name}_p2')`;
      expect((await adminQuery(created)).rowCount).toBe(0);
      // The resuming shell's CONFIRM_PROD_MIGRATIONS is not the fleet's authority: still refused.
      const byEnv = await prod.cli(['fleet', 'resume', out.fleet, '--store', storeUrl], {
        env: { CONFIRM_PROD_MIGRATIONS: 'true' },
      });
      expect(byEnv.code).toBe(1);
      expect((await adminQuery(created)).rowCount).toBe(0);
      const confirmed = await prod.cli([
        'fleet',
        'resume',
        out.fleet,
        '--store',
        storeUrl,
        '--confirm-prod',
        '--json',
      ]);
      expect(confirmed.code, confirmed.stderr).toBe(0);
      await expectAtHeadOnce(db.adminUrl, `${db.name}_p1`);
      await expectAtHeadOnce(db.adminUrl, `${db.name}_p2`);
      const [row] = await storeRows<{ authority: Record<string, unknown> }>(
        `SELECT authority FROM runbook.fleets WHERE id = '${out.fleet}'`,
      );
      expect(row!.authority).toMatchObject({
        authority: 'local',
        role: 'prod',
        confirmProd: true,
        confirmedBy: expect.stringContaining('--confirm-prod (runbook fleet resume'),
      });
    } finally {
      await prod.dispose();
    }
  });
});

describe('workers take no authority from their environment', () => {
  it("a confirm gate is not passed by the worker's CONFIRM_PROD_MIGRATIONS; fleet resume --confirm-prod passes it", async () => {
    await ws.writeProcedure(
      'gated',
      `procedure: gated
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: gate
    do: confirm
    with: { gate: prod, message: "writes prod-like data" }
  - id: create-database
    do: database.create
    with: { name: "\${{ params.database }}" }
`,
    );
    const target = `${db.name}_gated`;
    const file = await writeTargets(ws, 'gated.yaml', `targets:\n  - database: ${target}\n`);
    const queued = await ws.cli(['fleet', 'run', 'gated', '--targets', file, '--queue', '--store', storeUrl, '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(queued.code, queued.stderr).toBe(0);
    const id = parseJson<{ fleet: string }>(queued.stdout).fleet;
    const worker = ws.start(['worker', '--store', storeUrl, '--lock-timeout', '5'], {
      env: { CONFIRM_PROD_MIGRATIONS: 'true', DB_ROLE: 'prod' },
    });
    try {
      const first = await settledTarget(id);
      expect(first).toMatchObject({ status: 'refused', code: 'CONFIRMATION_REQUIRED' });
      const exists = `SELECT 1 FROM pg_database WHERE datname = '${target}'`;
      expect((await adminQuery(exists)).rowCount).toBe(0);
      const resumed = await ws.cli(['fleet', 'resume', id, '--store', storeUrl, '--confirm-prod', '--json']); // prettier-ignore
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(parseJson<{ fleet: string; queued: number }>(resumed.stdout)).toEqual({
        ok: true,
        fleet: id,
        queued: 1,
      });
      expect(await settledTarget(id)).toMatchObject({ status: 'succeeded', drives: 2 });
      expect((await adminQuery(exists)).rowCount).toBe(1);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });
});

describe("a confirm gate's own variable counts where the fleet is created, never in a worker", () => {
  const released = (name: string) => `procedure: ${name}
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: gate
    do: confirm
    with: { gate: release, env: RELEASE_OK, message: "ships the release" }
  - id: create-database
    do: database.create
    with: { name: "\${{ params.database }}" }
`;
  const exists = (target: string) =>
    adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${target}'`).then((r) => r.rowCount);

  it("a worker's RELEASE_OK=true does not pass it; fleet resume --confirm release does", async () => {
    await ws.writeProcedure('released', released('released'));
    const target = `${db.name}_released`;
    const file = await writeTargets(ws, 'released.yaml', `targets:\n  - database: ${target}\n`);
    const queued = await ws.cli(['fleet', 'run', 'released', '--targets', file, '--queue', '--store', storeUrl, '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(queued.code, queued.stderr).toBe(0);
    const id = parseJson<{ fleet: string }>(queued.stdout).fleet;
    const worker = ws.start(['worker', '--store', storeUrl, '--lock-timeout', '5'], {
      env: { RELEASE_OK: 'true' },
    });
    try {
      expect(await settledTarget(id)).toMatchObject({
        status: 'refused',
        code: 'CONFIRMATION_REQUIRED',
      });
      expect(await exists(target)).toBe(0);
      const resumed = await ws.cli(['fleet', 'resume', id, '--store', storeUrl, '--confirm', 'release', '--json']); // prettier-ignore
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(await settledTarget(id)).toMatchObject({ status: 'succeeded', drives: 2 });
      expect(await exists(target)).toBe(1);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });

  it('RELEASE_OK=true where the fleet is created passes the steps naming it, as alone, and no other', async () => {
    // A second gate of the same name with a variable of its own: RELEASE_OK does not pass it.
    await ws.writeProcedure(
      'released-here',
      released('released-here').replace(
        '  - id: create-database',
        '  - id: second\n    do: confirm\n    with: { gate: release, env: OTHER_OK, message: "and again" }\n  - id: create-database',
      ),
    );
    const target = `${db.name}_released_here`;
    const file = await writeTargets(ws, 'here.yaml', `targets:\n  - database: ${target}\n`);
    const r = await ws.cli(['fleet', 'run', 'released-here', '--targets', file, '--store', storeUrl, '--database-url', db.adminUrl, '--json'], { env: { RELEASE_OK: 'true' } }); // prettier-ignore
    expect(r.code, r.stderr).toBe(1);
    const id = parseJson<{ fleet: string }>(r.stdout).fleet;
    const [fleet] = await storeRows<{ authority: { confirm?: string[]; confirmedVariables?: string[] } }>(
      `SELECT authority FROM runbook.fleets WHERE id = '${id}'`,
    ); // prettier-ignore
    expect(fleet?.authority.confirmedVariables).toEqual(['RELEASE_OK']);
    expect(fleet?.authority.confirm).toBeUndefined();
    const seen = await inspect(id);
    expect(seen.targets[0]).toMatchObject({
      status: 'refused',
      failedStep: 'second',
      code: 'CONFIRMATION_REQUIRED',
    });
    expect(await exists(target)).toBe(0);
    // The shell resuming it drives it, and its own OTHER_OK=true counts for nothing.
    const again = await ws.cli(['fleet', 'resume', id, '--store', storeUrl, '--database-url', db.adminUrl, '--json'], { env: { OTHER_OK: 'true' } }); // prettier-ignore
    expect(again.code, again.stderr).toBe(1);
    expect((await inspect(id)).targets[0]).toMatchObject({
      status: 'refused',
      failedStep: 'second',
    });
    const resumed = await ws.cli(['fleet', 'resume', id, '--store', storeUrl, '--confirm', 'release', '--database-url', db.adminUrl, '--json']); // prettier-ignore
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await exists(target)).toBe(1);
    const [after] = await storeRows<{ authority: { confirm?: string[]; confirmedVariables?: string[] } }>(
      `SELECT authority FROM runbook.fleets WHERE id = '${id}'`,
    ); // prettier-ignore
    expect(after?.authority).toMatchObject({
      confirm: ['release'],
      confirmedVariables: ['RELEASE_OK'],
    });
  });
});

/** The one target of fleet `id` once a worker has taken it and it came to rest. */
async function settledTarget(
  id: string,
): Promise<{ status: string; code: string | null; drives: number }> {
  const until = Date.now() + 60_000;
  for (;;) {
    const [t] = await storeRows<{ status: string; code: string | null; drives: number }>(
      `SELECT status, code, drives FROM runbook.fleet_targets WHERE fleet_id = '${id}'`,
    );
    if (t && t.status !== 'pending' && t.status !== 'running') return t;
    if (Date.now() > until) throw new Error(`fleet ${id} not settled: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, parseJson, type CliResult, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

/*
 * The PostgreSQL run store through the CLI: runs started in one working directory are listed,
 * inspected, replayed, reported and resumed from another (no runs/ folder anywhere), and moved
 * to a run directory and into another store and back, verifying on both sides.
 */

const PASSWORD = 'st0re-Secret-pw';

let db: TestDatabase;
/** Where the procedures are written and run from. */
let origin: CliWorkspace;
/** Another working directory: no procedures, no runs/. */
let elsewhere: CliWorkspace;
let storeUrl: string;
let freshStoreUrl: string;
const outputs: CliResult[] = [];

/** A URL of database `name` on the test server carrying a password (trust auth ignores it). */
function urlWithPassword(name: string): string {
  const u = new URL(withDatabase(db.adminUrl, name));
  u.password = PASSWORD;
  return u.toString();
}

async function createDatabase(name: string): Promise<void> {
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
}

async function cli(
  ws: CliWorkspace,
  args: string[],
  env?: Record<string, string>,
): Promise<CliResult> {
  const r = await ws.cli(args, env ? { env } : {});
  outputs.push(r);
  return r;
}

async function storeQuery<R extends Record<string, unknown>>(
  name: string,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client(withDatabase(db.adminUrl, name));
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

/** {@link storeQuery}, or no rows while the store's schema does not exist yet. */
async function storeRows<R extends Record<string, unknown>>(
  name: string,
  sql: string,
): Promise<R[]> {
  return storeQuery<R>(name, sql).catch(() => []);
}

async function count(table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await createTestDatabase('cli_pg_store');
  await createDatabase(`${db.name}_store`);
  await createDatabase(`${db.name}_fresh`);
  storeUrl = urlWithPassword(`${db.name}_store`);
  freshStoreUrl = urlWithPassword(`${db.name}_fresh`);
  origin = await createCliWorkspace('runbook-pg-origin-');
  elsewhere = await createCliWorkspace('runbook-pg-elsewhere-');
});
afterAll(async () => {
  await origin?.dispose();
  await elsewhere?.dispose();
  await db?.drop();
});

function procedure(name: string, steps: string): string {
  return `procedure: ${name}
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
${steps}`;
}

const insert = (id: string, table: string, value: string): string =>
  `  - id: ${id}
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO ${table} (v) VALUES ('${value}')" }
`;

describe('runbook with --store postgres://…', () => {
  it('runs into the store; runs, inspect, replay and report work from another directory', async () => {
    await db.query('CREATE TABLE ps_rows (v text)');
    await origin.writeProcedure(
      'stored',
      procedure('stored', insert('one', 'ps_rows', 'a') + insert('two', 'ps_rows', 'b')),
    );
    const run = await cli(origin, ['run', 'stored', '--procedures', origin.proceduresDir, '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--store', storeUrl, '--json']); // prettier-ignore
    expect(run.code, run.stderr).toBe(0);
    const { runId } = parseJson<{ runId: string }>(run.stdout);
    expect(existsSync(origin.runsDir)).toBe(false);

    const runs = await cli(elsewhere, ['runs', '--store', storeUrl, '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(parseJson<{ id: string; status: string }[]>(runs.stdout)).toEqual([
      expect.objectContaining({ id: runId, status: 'succeeded' }),
    ]);
    // RUNBOOK_STORE names the store when --store is not given.
    const inspect = await cli(elsewhere, ['inspect', runId.slice(0, 12)], {
      RUNBOOK_STORE: storeUrl,
    });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/status\s+succeeded/);
    const replay = await cli(elsewhere, ['replay', 'last', '--store', storeUrl]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('hash chain intact');
    const html = path.join(elsewhere.dir, 'report.html');
    const report = await cli(elsewhere, ['report', runId, '--html', html, '--store', storeUrl]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain(runId);
    expect(existsSync(elsewhere.runsDir)).toBe(false);
  });

  it('a run that fails halfway resumes from another directory without re-applying', async () => {
    await db.query('CREATE TABLE pf_first (v text)');
    await origin.writeProcedure(
      'halfway',
      procedure('halfway', insert('first', 'pf_first', 'x') + insert('second', 'pf_second', 'y')),
    );
    const run = await cli(origin, ['run', 'halfway', '--procedures', origin.proceduresDir, '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--store', storeUrl, '--json']); // prettier-ignore
    expect(run.code, run.stderr).toBe(1);
    const { runId } = parseJson<{ runId: string }>(run.stdout);
    // The resume hint names the store again, without its password.
    const shown = `--store postgresql://${new URL(storeUrl).username}@${new URL(storeUrl).host}/${db.name}_store`;
    expect(run.stderr).toContain(`add ${shown}`);
    const inspect = await cli(elsewhere, ['inspect', runId, '--store', storeUrl]);
    expect(inspect.stdout).toContain(`runbook resume ${runId}`);
    expect(inspect.stdout).toContain(`add ${shown}`);
    await db.query('CREATE TABLE pf_second (v text)');
    const resume = await cli(elsewhere, ['resume', runId, '--database-url', db.adminUrl, '--store', storeUrl, '--json']); // prettier-ignore
    expect(resume.code, resume.stderr).toBe(0);
    expect(await count('pf_first')).toBe(1);
    expect(await count('pf_second')).toBe(1);
    const started = await storeQuery<{ step: string }>(
      `${db.name}_store`,
      `SELECT line::json->>'step' AS step FROM runbook.events WHERE run_id = $1 AND line::json->>'type' = 'step.started' ORDER BY seq`,
      [runId],
    );
    expect(started.map((r) => r.step)).toEqual(['first', 'second', 'second']);
  });

  it('a run whose process is SIGKILLed holding the lock resumes without --break-lock', async () => {
    await db.query('CREATE TABLE pk_rows (v text)');
    await origin.writeProcedure(
      'killed',
      procedure(
        'killed',
        `  - id: slow
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: |
        SELECT pg_sleep(3);
        INSERT INTO pk_rows (v) VALUES ('slow');
`,
      ),
    );
    const child = origin.start(['run', 'killed', '--procedures', origin.proceduresDir, '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--store', storeUrl]); // prettier-ignore
    const started = async (): Promise<string | undefined> =>
      (
        await storeRows<{ run_id: string }>(
          `${db.name}_store`,
          `SELECT run_id FROM runbook.events WHERE run_id LIKE 'killed-%' AND line::json->>'type' = 'step.started'`,
        )
      )[0]?.run_id;
    let runId: string | undefined;
    const until = Date.now() + 20_000;
    while (!(runId = await started()) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(runId).toBeDefined();
    child.child.kill('SIGKILL');
    expect((await child.done).signal).toBe('SIGKILL');
    const resume = await cli(elsewhere, ['resume', runId!, '--database-url', db.adminUrl, '--store', storeUrl]); // prettier-ignore
    expect(resume.code, resume.stderr).toBe(0);
    expect(await count('pk_rows')).toBe(1);
    const types = await storeQuery<{ type: string }>(
      `${db.name}_store`,
      `SELECT line::json->>'type' AS type FROM runbook.events WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    // The killed holder's lock was free at once; its description row is reported as recovered.
    expect(types.map((t) => t.type)).toContain('lock.recovered');
    expect(types.map((t) => t.type)).not.toContain('lock.broken');
  });

  it('a run whose store sessions are cut mid-step stops, and resumes from its checkpoint', async () => {
    await db.query('CREATE TABLE pc_rows (v text PRIMARY KEY)');
    const put = (v: string) => `INSERT INTO pc_rows (v) VALUES ('${v}') ON CONFLICT DO NOTHING`;
    await origin.writeProcedure(
      'cut',
      procedure(
        'cut',
        `  - id: before
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "${put('before')}" }
  - id: slow
    do: sql.exec
    with:
      database: "\${{ params.database }}"
      sql: |
        SELECT pg_sleep(2);
        ${put('slow')};
  - id: after
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "${put('after')}" }
`,
      ),
    );
    const child = origin.start(['run', 'cut', '--procedures', origin.proceduresDir, '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--store', storeUrl]); // prettier-ignore
    const store = `${db.name}_store`;
    let runId: string | undefined;
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const [row] = await storeRows<{ run_id: string }>(store, `SELECT run_id FROM runbook.events WHERE run_id LIKE 'cut-%' AND line::json->>'step' = 'slow'`); // prettier-ignore
      if ((runId = row?.run_id)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runId).toBeDefined();
    // Every session of the store (the run lock's among them), as a store restart would.
    await storeQuery(store, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'runbook-store'`); // prettier-ignore
    const cut = await child.done;
    outputs.push(cut);
    // The lock's session went with the others: the run writes nothing more (exit 3).
    expect(cut.code, cut.stderr).toBe(3);
    expect(cut.stderr).toContain('RUN_LOCK_LOST');
    const resume = await cli(elsewhere, ['resume', runId!, '--database-url', db.adminUrl, '--store', storeUrl]); // prettier-ignore
    expect(resume.code, resume.stderr).toBe(0);
    const { rows } = await db.query<{ v: string }>('SELECT v FROM pc_rows ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['after', 'before', 'slow']);
    const replay = await cli(elsewhere, ['replay', runId!, '--store', storeUrl]);
    expect(replay.code, replay.stderr).toBe(0);
  });

  it('export → replay offline → import into a fresh store → replay, the same bytes everywhere', async () => {
    const runs = parseJson<{ id: string }[]>(
      (await cli(elsewhere, ['runs', '--store', storeUrl, '--json'])).stdout,
    );
    const runId = runs.find((r) => r.id.startsWith('halfway-'))!.id;
    const out = path.join(elsewhere.dir, 'exported');
    const exported = await cli(elsewhere, ['export', runId, out, '--store', storeUrl]);
    expect(exported.code, exported.stderr).toBe(0);
    const runDir = path.join(out, runId);
    const offline = await cli(elsewhere, ['replay', runId, '--runs-dir', out]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('hash chain intact');

    const imported = await cli(origin, ['import', runDir, '--store', freshStoreUrl]);
    expect(imported.code, imported.stderr).toBe(0);
    const again = await cli(origin, ['import', runDir, '--store', freshStoreUrl]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already exists');
    const replay = await cli(elsewhere, ['replay', runId, '--store', freshStoreUrl]);
    expect(replay.code, replay.stderr).toBe(0);

    const fileBytes = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
    for (const store of [`${db.name}_store`, `${db.name}_fresh`]) {
      const rows = await storeQuery<{ line: string }>(store, 'SELECT line FROM runbook.events WHERE run_id = $1 ORDER BY seq', [runId]); // prettier-ignore
      expect(rows.map((r) => `${r.line}\n`).join('')).toBe(fileBytes);
    }
    expect(readFileSync(path.join(runDir, 'artifacts', 'procedure.yaml'), 'utf8')).toContain(
      'procedure: halfway',
    );
    // Back from the exported directory into a runs directory, replayed there too.
    const local = path.join(origin.dir, 'local-runs');
    const intoDir = await cli(origin, ['import', runDir, '--runs-dir', local]);
    expect(intoDir.code, intoDir.stderr).toBe(0);
    expect(readFileSync(path.join(local, runId, 'events.jsonl'), 'utf8')).toBe(fileBytes);
  });

  it('a tampered run directory is not imported', async () => {
    const out = path.join(elsewhere.dir, 'exported');
    const [runId] = readdirSync(out);
    const copy = path.join(elsewhere.dir, 'tampered');
    cpSync(path.join(out, runId!), path.join(copy, runId!), { recursive: true });
    const file = path.join(copy, runId!, 'events.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"first"', '"frist"'));
    const refused = await cli(elsewhere, [
      'import',
      path.join(copy, runId!),
      '--store',
      freshStoreUrl,
    ]);
    expect(refused.code).toBe(4);
    // A record edited (its attempts), its log intact: the record disagrees with the log, so it
    // is refused as replay refuses it; so is a run whose log was emptied.
    const edited = path.join(elsewhere.dir, 'edited');
    cpSync(path.join(out, runId!), path.join(edited, runId!), { recursive: true });
    const record = path.join(edited, runId!, 'run.json');
    writeFileSync(
      record,
      readFileSync(record, 'utf8').replace(/"attempts": \d+/, '"attempts": 99'),
    );
    const emptied = path.join(elsewhere.dir, 'emptied');
    cpSync(path.join(out, runId!), path.join(emptied, runId!), { recursive: true });
    writeFileSync(path.join(emptied, runId!, 'events.jsonl'), '');
    for (const dir of [edited, emptied]) {
      const r = await cli(elsewhere, ['import', path.join(dir, runId!), '--store', freshStoreUrl]);
      expect(r.code, r.stderr).toBe(4);
    }
  });

  it('refuses (exit 3) a run whose target database holds its own run store', async () => {
    await origin.writeProcedure('self', procedure('self', insert('one', 'ps_self', 'a')));
    const r = await cli(origin, ['run', 'self', '--procedures', origin.proceduresDir, '--param', `database=${db.name}_store`, '--database-url', db.adminUrl, '--store', storeUrl]); // prettier-ignore
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('holds the run store itself');
    expect(r.stderr).not.toContain(PASSWORD);
  });

  it('never prints or stores the store password', async () => {
    for (const o of outputs) {
      expect(o.stdout).not.toContain(PASSWORD);
      expect(o.stderr).not.toContain(PASSWORD);
    }
    for (const store of [`${db.name}_store`, `${db.name}_fresh`]) {
      const [row] = await storeQuery<{ n: number }>(
        store,
        `SELECT (SELECT count(*) FROM runbook.events WHERE position($1 in line) > 0)
              + (SELECT count(*) FROM runbook.runs WHERE position($1 in record) > 0 OR position($1 in coalesce(snapshot, '')) > 0)
              + (SELECT count(*) FROM runbook.artifacts WHERE position(convert_to($1, 'UTF8') in content) > 0)
              + (SELECT count(*) FROM runbook.run_locks WHERE position($1 in command) > 0) AS n`,
        [PASSWORD],
      );
      expect(Number(row!.n)).toBe(0);
    }
  });
});

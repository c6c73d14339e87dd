// Row 9: fleets through the PostgreSQL run store. 9a–9c: `runbook fleet run upgrade --queue` over
// BENCH_FLEET_TARGETS (default 200) empty databases with a 3-file golang-migrate history, taken by
// 1, 2 and 4 `runbook worker --concurrency 2` processes of the consumer project (lib/consumer.mjs);
// the time runs from starting the workers to the first `fleet inspect --json` that says every
// target succeeded; then the workers get SIGTERM and every database must hold version 3, clean,
// with each migration applied exactly once. 9d: the same small `runbook run upgrade` through the
// CLI with the file store vs `--store postgres://…`, interleaved.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { consumerProject } from './lib/consumer.mjs';
import { cli } from './lib/engine.mjs';
import { engineEnv, ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median, pairedRatio } from './lib/stats.mjs';

const WORKERS = [1, 2, 4];
const WORKER_CONCURRENCY = 2;
const OVERHEAD_RUNS = 10;
const POLL_MS = 500;
const LANES = 4;

/** Three golang-migrate files; each records itself in `applied`, so a second apply shows. */
function writeMigrations(dir) {
  mkdirSync(dir, { recursive: true });
  const files = {
    '1_accounts.up.sql':
      'CREATE TABLE accounts (id int PRIMARY KEY, email text);\n' +
      'CREATE TABLE applied (version int NOT NULL);\nINSERT INTO applied VALUES (1);\n',
    '2_unique_email.up.sql':
      'CREATE UNIQUE INDEX accounts_email ON accounts (email);\nINSERT INTO applied VALUES (2);\n',
    '3_name.up.sql':
      'ALTER TABLE accounts ADD COLUMN name text;\nINSERT INTO applied VALUES (3);\n',
  };
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

/** Runs `fn` over `items` in `LANES` concurrent lanes. */
async function lanes(items, fn) {
  const queue = [...items];
  const lane = async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

/** Throws unless `db` is at version 3, clean, with migrations 1, 2, 3 applied once each. */
async function checkAtHead(server, db) {
  const v = await server.query('SELECT version::text, dirty FROM schema_migrations', [], db);
  const a = await server.query(
    'SELECT version, count(*)::int AS n FROM applied GROUP BY version ORDER BY version',
    [],
    db,
  );
  const got = JSON.stringify({ version: v.rows, applied: a.rows });
  const want = JSON.stringify({
    version: [{ version: '3', dirty: false }],
    applied: [1, 2, 3].map((version) => ({ version, n: 1 })),
  });
  if (got !== want) throw new Error(`${db}: ${got}, expected ${want}`);
}

/** `node_modules/.bin/runbook worker` as a long-running child; `stop()` sends SIGTERM. */
function startWorker(project, storeUrl) {
  const child = spawn(
    project.bin,
    ['worker', '--store', storeUrl, '--concurrency', String(WORKER_CONCURRENCY)],
    {
      cwd: project.dir,
      env: { ...engineEnv(), PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return {
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return done;
    },
  };
}

/** Polls `fleet inspect --json` until every target succeeded; throws on a failed target. */
async function untilSucceeded(project, storeUrl, fleet, timeoutMs, workers) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const out = await cli(project, ['fleet', 'inspect', fleet, '--json', '--store', storeUrl]);
    const at = performance.now();
    const { summary } = JSON.parse(out.stdout);
    if (summary.succeeded === summary.total) return at;
    if (summary.failed > 0) {
      const f = summary.failures[0];
      throw new Error(`${summary.failed} targets failed, first ${f.target} ${f.code ?? ''}`);
    }
    if (at > until) {
      throw new Error(
        `fleet not done after ${fmtMs(timeoutMs)} (${summary.succeeded}/${summary.total}): ` +
          workers.map((w) => w.stderr().slice(-300)).join(' | '),
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** One round: a fresh fleet over `count` fresh databases taken by `n` workers. */
async function fleetRound(server, project, { storeUrl, migrations, work, count, n }) {
  const names = Array.from({ length: count }, () => server.name('fleet'));
  await lanes(names, (db) => server.query(`CREATE DATABASE "${db}"`));
  try {
    const targets = path.join(work, `fleet-targets-${n}.yaml`);
    writeFileSync(
      targets,
      `params: { migrations: ${JSON.stringify(migrations)}, layout: golang-migrate }\n` +
        `targets:\n${names.map((db) => `  - database: ${db}\n`).join('')}`,
    );
    const queued = await cli(project, ['fleet', 'run', 'upgrade', '--targets', targets, '--queue', '--json', '--store', storeUrl, '--database-url', server.url, '--procedures', path.join(ROOT, 'procedures')]); // prettier-ignore
    if (queued.code !== 0) {
      throw new Error(`fleet run --queue exited ${queued.code}: ${queued.stderr.slice(-400)}`);
    }
    const { fleet, queued: q } = JSON.parse(queued.stdout);
    if (q !== count) throw new Error(`fleet run --queue queued ${q} targets, want ${count}`);
    const start = performance.now();
    const workers = Array.from({ length: n }, () => startWorker(project, storeUrl));
    const timeout = Math.max(120_000, count * 3000);
    const end = await untilSucceeded(project, storeUrl, fleet, timeout, workers).catch(
      async (err) => {
        await Promise.all(workers.map((w) => w.stop()));
        throw err;
      },
    );
    const codes = await Promise.all(workers.map((w) => w.stop()));
    if (codes.some((c) => c !== 0))
      throw new Error(`a worker exited ${codes.join(',')} on SIGTERM`);
    await lanes([...names], (db) => checkAtHead(server, db));
    return { ms: end - start, fleet };
  } finally {
    await lanes(names, (db) => server.dropDatabase(db));
  }
}

/** `runbook run upgrade --json` of a fresh database through the CLI; 3 must be applied. */
async function smallUpgrade(server, project, { migrations, store }) {
  const db = server.name('ovh');
  const out = await cli(project, ['run', 'upgrade', '--json', '--procedures', path.join(ROOT, 'procedures'), ...store, '--database-url', server.url, '--param', `database=${db}`, '--param', `migrations=${migrations}`]); // prettier-ignore
  if (out.code !== 0) {
    throw new Error(`run upgrade ${store[0]} exited ${out.code}: ${out.stderr.slice(-400)}`);
  }
  const result = JSON.parse(out.stdout);
  if (result.status !== 'succeeded' || result.outputs.migrate?.applied !== 3) {
    throw new Error(
      `run upgrade ${store[0]}: ${result.status}, ${result.outputs.migrate?.applied} applied`,
    );
  }
  await checkAtHead(server, db);
  await server.dropDatabase(db);
  return out.ms;
}

function errorRow(what, err) {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  process.stderr.write(`bench: fleet: ${what}: ${err instanceof Error ? err.stack : err}\n`);
  return { what, value: `error: ${message}`, status: 'ERROR' };
}

export async function run({ server, work, note }) {
  const count = Number(process.env.BENCH_FLEET_TARGETS ?? 200);
  if (!Number.isInteger(count) || count < 1)
    throw new Error('BENCH_FLEET_TARGETS: a positive integer');
  const project = consumerProject(path.join(work, 'consumer'));
  const migrations = writeMigrations(path.join(work, 'fleet-migrations'));
  const storeDb = await server.createDatabase('store');
  const storeUrl = server.urlFor(storeDb);
  const rows = [];
  const perMinute = {};
  for (const [i, n] of WORKERS.entries()) {
    const what = `9${'abc'[i]} fleet upgrade, ${count} databases, ${n} worker${n > 1 ? 's' : ''} × --concurrency ${WORKER_CONCURRENCY}`;
    try {
      const { ms } = await fleetRound(server, project, { storeUrl, migrations, work, count, n });
      perMinute[n] = (count / ms) * 60_000;
      rows.push({
        what,
        value: `${perMinute[n].toFixed(0)} targets/min (${fmtMs(ms)})`,
        ratio: perMinute[1] ? `${fmtRatio(perMinute[n] / perMinute[1])} 1 worker` : '—',
        status: 'info',
      });
    } catch (err) {
      rows.push(errorRow(what, err));
    }
  }
  const what = `9d store overhead: CLI \`run upgrade\`, 3 files, --store postgres vs file store (median of ${OVERHEAD_RUNS})`;
  try {
    const runsDir = path.join(work, 'fleet-file-runs');
    const s = await interleave(
      {
        file: () => smallUpgrade(server, project, { migrations, store: ['--runs-dir', runsDir] }),
        pg: () => smallUpgrade(server, project, { migrations, store: ['--store', storeUrl] }),
      },
      OVERHEAD_RUNS,
      { warmup: 1 },
    );
    rows.push({
      what,
      value: `${fmtSamples(s.pg)} vs file ${fmtSamples(s.file)} (+${fmtMs(median(s.pg) - median(s.file))} per run)`,
      ratio: fmtRatio(pairedRatio(s.pg, s.file)),
      status: 'info',
    });
  } catch (err) {
    rows.push(errorRow(what, err));
  }
  await server.dropDatabase(storeDb);
  note(
    `9: ${count} databases (BENCH_FLEET_TARGETS, default 200), created empty outside the timing, ` +
      `a fresh fleet per row (\`fleet run upgrade --queue\`, layout golang-migrate, 3 files) in one ` +
      `store database on the bench's server; each worker a \`runbook worker --concurrency ` +
      `${WORKER_CONCURRENCY}\` process. Timed from starting the workers to the first \`fleet ` +
      `inspect --json\` (polled every ${POLL_MS} ms, a CLI process each) saying all succeeded; ` +
      `every database then checked at version 3 with each migration applied once. 9d: a fresh ` +
      `database per run (created by the run), ${OVERHEAD_RUNS} interleaved pairs after one ` +
      `warm-up; the ratio is the median of the per-pair ratios.`,
  );
  return rows;
}

// Row 2: the `alembic` layout (the engine driving Alembic through its Python bridge, env.py run
// once, each revision committed and recorded in turn) vs plain `alembic upgrade head` (python3 -m
// alembic, one process) on the Alembic fixture test/fixtures/alembic-project. Skipped with the
// reason when /usr/bin/python3 cannot import alembic and psycopg2.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { alembicPython } from './lib/machine.mjs';
import { assertSucceeded, libraryUpgrade } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median } from './lib/stats.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'alembic-project');
const TARGET = 1.3;
// The fixture's d4 fails on purpose (for the failure tests) unless this is set.
const FIXTURE_ENV = { RUNBOOK_FIXTURE_OK: '1' };
const WHAT = '2 alembic layout vs plain `alembic upgrade head` (Alembic fixture, library)';

/** An alembic.ini for `db`: the fixture's, with this database's URL. */
function iniFor(project, url, db) {
  const text = readFileSync(path.join(project, 'alembic.ini'), 'utf8').replace(
    /^sqlalchemy\.url\s*=.*$/m,
    `sqlalchemy.url = ${url.replace(/%/g, '%%')}`,
  );
  const file = path.join(project, `alembic-${db}.ini`);
  writeFileSync(file, text);
  return file;
}

/** The state both paths must reach: head recorded, the seed row once. */
async function checkOutcome(server, db, who, head) {
  const version = await server.query('SELECT version_num FROM alembic_version', [], db);
  const seeded = await server.query('SELECT count(*)::int AS n FROM accounts', [], db);
  const got = version.rows.map((r) => r.version_num).join(',');
  if (got !== head || seeded.rows[0].n !== 1) {
    throw new Error(`${who}: version ${got} (want ${head}), ${seeded.rows[0].n} seeded rows`);
  }
}

export async function run({ server, work, reps, note }) {
  const py = alembicPython();
  if (!py) {
    return [
      {
        what: WHAT,
        value:
          'skipped: /usr/bin/python3 cannot import alembic and psycopg2 (apt-get install python3-alembic python3-psycopg2)',
        target: `≤ ${TARGET}×`,
        status: 'SKIP',
      },
    ];
  }
  const project = path.join(work, 'alembic-project');
  cpSync(FIXTURE, project, { recursive: true });
  const runsDir = path.join(work, 'alembic-runs');
  const head = 'd4';
  const samples = await interleave(
    {
      plain: async () => {
        const db = await server.createDatabase('alembic_plain');
        const ini = iniFor(project, server.urlFor(db), db);
        const start = performance.now();
        const r = spawnSync(py.python, ['-m', 'alembic', '-c', ini, 'upgrade', 'head'], {
          cwd: project,
          encoding: 'utf8',
          env: { ...process.env, ...FIXTURE_ENV },
        });
        const ms = performance.now() - start;
        if (r.status !== 0)
          throw new Error(
            `alembic exited ${r.status}: ${r.stderr.slice(-1500).replace(/\s+/g, ' ')}`,
          );
        await checkOutcome(server, db, 'plain alembic', head);
        await server.dropDatabase(db);
        return ms;
      },
      engine: async () => {
        // Plain Alembic gets an empty database created outside its timing; so does the engine (its
        // create-database step then only finds it), as in row 1: both measure the upgrade, not
        // CREATE DATABASE (≈ 0.2–0.3 s here, which only the engine's timing used to include).
        const db = await server.createDatabase('alembic_engine');
        const { ms, result } = await libraryUpgrade(server, {
          database: db,
          migrations: path.join(project, 'alembic.ini'),
          layout: 'alembic',
          runsDir,
          env: FIXTURE_ENV,
        });
        assertSucceeded(result, 'alembic-layout upgrade');
        await checkOutcome(server, db, 'the engine', head);
        await server.dropDatabase(db);
        return ms;
      },
    },
    reps,
  );
  const plain = median(samples.plain);
  const ratio = median(samples.engine) / plain;
  note(
    `2: 4 Alembic revisions (a1..d4); plain = \`${py.python} -m alembic -c <ini> upgrade head\` ` +
      `(${fmtSamples(samples.plain)}); both start from an empty database created outside the timing. ` +
      `The engine starts one Python bridge per run: the listing is kept in-process while the ` +
      `project's files are unchanged (so after the first repetition preflight, migrate and ` +
      `migrations.current list without Python), and the bridge that listed is reused for the ` +
      `upgrade (env.py once, a transaction per revision). With so few revisions the times are ` +
      `dominated by Python start-up and \`import alembic\` (${fmtMs(plain)} for the whole plain run).`,
  );
  return [
    {
      what: WHAT,
      value: `${fmtSamples(samples.engine)} vs plain ${fmtMs(plain)}`,
      ratio: fmtRatio(ratio),
      target: `≤ ${TARGET}×`,
      pass: ratio <= TARGET,
    },
  ];
}

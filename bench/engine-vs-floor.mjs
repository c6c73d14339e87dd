// Row 1: the engine applying examples/nova/after (125 migration files: 000 bootstrap + the
// 124-migration history) vs the floor, the same SQL files applied by ONE psql session with a
// transaction per file. Measured through the library (runProcedure) and the CLI (a child process).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadMigrationSource, planUpgrade, RevisionGraph } from '../dist/migrations/index.js';
import { dbmateBinary, dbmateUp, writeDbmateHistory } from './lib/dbmate-peer.mjs';
import { assertSucceeded, cliUpgrade, libraryUpgrade } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median, pairedRatio } from './lib/stats.mjs';

const EXAMPLE = path.join(ROOT, 'examples', 'nova', 'after');
const PSQL = '/usr/bin/psql';
const TARGET = 1.2;

/** The history's migrations in upgrade order, from the library's own graph. */
async function upgradeOrder(history) {
  const source = await loadMigrationSource(history);
  const graph = new RevisionGraph(await source.list());
  return planUpgrade(graph, new Set(), 'head');
}

/** One psql script: `BEGIN; \i file; COMMIT;` per file (a non-transactional one bare). */
function psqlScript(migrations, dir) {
  const lines = ['\\set ON_ERROR_STOP 1'];
  for (const m of migrations) {
    const include = `\\i '${m.file.replace(/'/g, "''")}'`;
    lines.push(...(m.transactional ? ['BEGIN;', include, 'COMMIT;'] : [include]));
  }
  const file = path.join(dir, 'floor.sql');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The floor without psql: one pg client, BEGIN / whole file / COMMIT per file. */
async function pgFloor(url, migrations) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    for (const m of migrations) {
      const sql = readFileSync(m.file, 'utf8');
      if (m.transactional) await client.query('BEGIN');
      await client.query(sql);
      if (m.transactional) await client.query('COMMIT');
    }
  } finally {
    await client.end();
  }
}

async function userTables(server, db) {
  const { rows } = await server.query(
    `SELECT count(*)::int AS n FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'alembic_version'`,
    [],
    db,
  );
  return rows[0].n;
}

/** Σ duration_ms of the migration.applied events of a run (SQL + version row, per transaction). */
function sqlTimeOfRun(runDir) {
  let total = 0;
  let n = 0;
  for (const line of readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'migration.applied') {
      total += e.data.duration_ms;
      n += 1;
    }
  }
  return { total, n };
}

export async function run({ server, work: root, reps, note }) {
  const work = path.join(root, 'floor');
  mkdirSync(work, { recursive: true });
  // A private copy: the working tree is shared with other sessions that may touch examples/.
  const HISTORY = path.join(work, 'after');
  cpSync(EXAMPLE, HISTORY, { recursive: true });
  const migrations = await upgradeOrder(HISTORY);
  const runsDir = path.join(work, 'runs');
  const havePsql = existsSync(PSQL);
  const script = havePsql ? psqlScript(migrations, work) : undefined;
  const floorName = havePsql
    ? 'one psql session, BEGIN/\\i file/COMMIT per file'
    : 'one pg client, BEGIN/file/COMMIT per file (no /usr/bin/psql)';
  const dbmate = dbmateBinary();
  const DBMATE_HISTORY = path.join(work, 'dbmate');
  if (dbmate) writeDbmateHistory(migrations, DBMATE_HISTORY);
  let tables;
  const checkTables = async (db, who, own = 0) => {
    const n = (await userTables(server, db)) - own;
    if (tables === undefined) tables = n;
    if (n !== tables) throw new Error(`${who} produced ${n} tables, the floor ${tables}`);
  };
  // Per library run: Σ migration.applied duration_ms (the time inside the migration
  // transactions), to split each run's time into the migrations and the rest.
  const insideMigrations = [];

  const samples = await interleave(
    {
      floor: async () => {
        const db = await server.createDatabase('floor');
        const start = performance.now();
        if (script) {
          const r = spawnSync(PSQL, ['-X', '-q', '-f', script, server.urlFor(db)], {
            encoding: 'utf8',
          });
          if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr.slice(-800)}`);
        } else {
          await pgFloor(server.urlFor(db), migrations);
        }
        const ms = performance.now() - start;
        await checkTables(db, 'the floor');
        await server.dropDatabase(db);
        return ms;
      },
      library: async (round) => {
        // The floor gets an empty database; so does the engine (its create-database step then
        // only finds it): both measure applying the history, not CREATE DATABASE.
        const db = await server.createDatabase('lib');
        const { ms, result } = await libraryUpgrade(server, {
          database: db,
          migrations: HISTORY,
          runsDir,
        });
        assertSucceeded(result, 'library upgrade');
        if (result.outputs.migrate?.applied !== migrations.length) {
          throw new Error(`library run applied ${result.outputs.migrate?.applied} migrations`);
        }
        await checkTables(db, 'the library run');
        const sql = sqlTimeOfRun(result.runDir);
        if (round >= 0) insideMigrations.push({ ms, inside: sql.total, n: sql.n });
        await server.dropDatabase(db);
        return ms;
      },
      ...(dbmate && {
        dbmate: async () => {
          const db = await server.createDatabase('dbmate');
          const ms = dbmateUp(dbmate, server.urlFor(db), DBMATE_HISTORY);
          // dbmate's own table is not the history's; every migration must be recorded in it.
          await checkTables(db, 'dbmate', 1);
          const { rows } = await server.query(
            'SELECT count(*)::int AS n FROM schema_migrations',
            [],
            db,
          );
          if (rows[0].n !== migrations.length) {
            throw new Error(`dbmate recorded ${rows[0].n} of ${migrations.length} migrations`);
          }
          await server.dropDatabase(db);
          return ms;
        },
      }),
      cli: async () => {
        const db = await server.createDatabase('cli');
        const { ms } = await cliUpgrade(server, { database: db, migrations: HISTORY, runsDir });
        await checkTables(db, 'the CLI run');
        await server.dropDatabase(db);
        return ms;
      },
    },
    reps,
    { warmup: 1 },
  );

  // Where the engine's time goes: Σ migration.applied duration_ms is the time inside the
  // migration transactions (SQL, version row, provenance probe, COMMIT); the rest of a run is
  // everything around them. Medians over the library runs.
  const floor = median(samples.floor);
  const inside = median(insideMigrations.map((r) => r.inside));
  const outside = median(insideMigrations.map((r) => r.ms - r.inside));
  const insideRatio = pairedRatio(
    insideMigrations.map((r) => r.inside),
    samples.floor,
  );
  const best = Math.min(...samples.library) / Math.min(...samples.floor);
  note(
    `1: ${migrations.length} migration files, ${tables} tables; floor = ${floorName}. ` +
      `Library runs, medians: ${fmtMs(inside)} inside the ${insideMigrations[0]?.n ?? 0} ` +
      `migration transactions (Σ migration.applied duration_ms: SQL, version row, provenance ` +
      `probe, COMMIT; ${fmtRatio(insideRatio)} the floor, paired) and ${fmtMs(outside)} around ` +
      `them (loading the procedure, the run directory, the step transitions, the other two ` +
      `steps). Fastest library run / fastest floor: ${fmtRatio(best)}. Both sides start from an ` +
      `empty database created outside the timing.`,
  );
  const row = (what, values, targeted) => {
    // The verdict is on the median of per-round ratios (each pair ran back to back, under the
    // same load); the ratio of the medians is shown beside it.
    const ratio = pairedRatio(values, samples.floor);
    return {
      what,
      value: `${fmtSamples(values)} vs floor ${fmtMs(floor)} (ratio of medians ${fmtRatio(median(values) / floor)})`,
      ratio: fmtRatio(ratio),
      ...(targeted ? { target: `≤ ${TARGET}×`, pass: ratio <= TARGET } : { status: 'info' }),
    };
  };
  // The target is the engine's (issue 3: "the engine applying a 124-migration history"); the
  // CLI row adds a Node process start and module loading (row 7) and is shown for information.
  const peer = samples.dbmate?.length
    ? [
        row(
          '1c dbmate (Go binary, its own schema_migrations), same history',
          samples.dbmate,
          false,
        ),
        {
          what: '1d the CLI vs dbmate, same rounds',
          value: `${fmtMs(median(samples.cli))} vs dbmate ${fmtMs(median(samples.dbmate))}`,
          ratio: fmtRatio(pairedRatio(samples.cli, samples.dbmate)),
          status: 'info',
        },
      ]
    : [];
  return [
    row(
      '1a engine vs psql floor, nova/after, library (runProcedure upgrade)',
      samples.library,
      true,
    ),
    row(
      '1b the same through the CLI (runbook run upgrade, a new Node process)',
      samples.cli,
      false,
    ),
    ...peer,
  ];
}

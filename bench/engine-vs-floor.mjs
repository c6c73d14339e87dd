// Row 1: the engine applying examples/nova/after (125 migration files: 000 bootstrap + the
// 124-migration history) vs the floor, the same SQL files applied by ONE psql session with a
// transaction per file and its version-row update. Measured through the library (runProcedure)
// and the CLI as a user's project runs it (node_modules/.bin/runbook, and `npx runbook`), with
// dbmate applying the same history in the same interleaved rounds.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadMigrationSource, planUpgrade, RevisionGraph } from '../dist/migrations/index.js';
import { dbmateBinary, dbmateUp, writeDbmateHistory } from './lib/dbmate-peer.mjs';
import { consumerProject } from './lib/consumer.mjs';
import { assertSucceeded, cliUpgrade, libraryUpgrade, stepDuration } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median, pairedRatio } from './lib/stats.mjs';

const EXAMPLE = path.join(ROOT, 'examples', 'nova', 'after');
const PSQL = '/usr/bin/psql';
const TARGET = 1.2;
/** Issue 16: the whole CLI process, the migrate step alone, and the CLI against dbmate. */
const CLI_TARGET = 1.5;
const MIGRATE_TARGET = 1.1;
const CLI_VS_DBMATE = 1.0;

/** The history's migrations in upgrade order, from the library's own graph. */
async function upgradeOrder(history) {
  const source = await loadMigrationSource(history);
  const graph = new RevisionGraph(await source.list());
  return planUpgrade(graph, new Set(), 'head');
}

/** The version table the engine keeps for this layout, created by the floor too. */
const VERSION_TABLE =
  'CREATE TABLE alembic_version (version_num varchar(128) NOT NULL, ' +
  'CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));';

/** The floor's version-row write after migration `i` (in the same transaction as its file). */
function versionWrite(migrations, i) {
  const rev = migrations[i].revision.replace(/'/g, "''");
  return i === 0
    ? `INSERT INTO alembic_version (version_num) VALUES ('${rev}');`
    : `UPDATE alembic_version SET version_num = '${rev}';`;
}

/**
 * One psql script: the version table, then `BEGIN; \i file; <version row>; COMMIT;` per file (a
 * non-transactional one bare, its version row after it).
 */
function psqlScript(migrations, dir) {
  const lines = ['\\set ON_ERROR_STOP 1', VERSION_TABLE];
  migrations.forEach((m, i) => {
    const include = `\\i '${m.file.replace(/'/g, "''")}'`;
    const body = [include, versionWrite(migrations, i)];
    lines.push(...(m.transactional ? ['BEGIN;', ...body, 'COMMIT;'] : body));
  });
  const file = path.join(dir, 'floor.sql');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The floor without psql: one pg client, BEGIN / whole file / version row / COMMIT per file. */
async function pgFloor(url, migrations) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(VERSION_TABLE);
    for (const [i, m] of migrations.entries()) {
      const sql = readFileSync(m.file, 'utf8');
      if (m.transactional) await client.query('BEGIN');
      await client.query(sql);
      await client.query(versionWrite(migrations, i));
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

/** The version rows the history's own table holds (alembic_version: the head, one row). */
async function versionRows(server, db) {
  const { rows } = await server.query(
    'SELECT version_num FROM public.alembic_version ORDER BY version_num',
    [],
    db,
  );
  return rows.map((r) => r.version_num);
}

export async function run({ server, work: root, reps, note }) {
  const work = path.join(root, 'floor');
  mkdirSync(work, { recursive: true });
  // A private copy: the working tree is shared with other sessions that may touch examples/.
  const HISTORY = path.join(work, 'after');
  cpSync(EXAMPLE, HISTORY, { recursive: true });
  const migrations = await upgradeOrder(HISTORY);
  const head = migrations[migrations.length - 1].revision;
  const runsDir = path.join(work, 'runs');
  const project = consumerProject(path.join(work, 'consumer'));
  const havePsql = existsSync(PSQL);
  const script = havePsql ? psqlScript(migrations, work) : undefined;
  const floorName = havePsql
    ? 'one psql session, BEGIN/\\i file/version row/COMMIT per file'
    : 'one pg client, BEGIN/file/version row/COMMIT per file (no /usr/bin/psql)';
  const dbmate = dbmateBinary();
  const DBMATE_HISTORY = path.join(work, 'dbmate');
  if (dbmate) writeDbmateHistory(migrations, DBMATE_HISTORY);
  let tables;
  const checkTables = async (db, who, own = 0) => {
    const n = (await userTables(server, db)) - own;
    if (tables === undefined) tables = n;
    if (n !== tables) throw new Error(`${who} produced ${n} tables, the floor ${tables}`);
  };
  const checkVersion = async (db, who) => {
    const rows = await versionRows(server, db);
    if (rows.length !== 1 || rows[0] !== head) {
      throw new Error(`${who} left alembic_version ${JSON.stringify(rows)}, expected ["${head}"]`);
    }
  };
  // Per library run: Σ migration.applied duration_ms (the time inside the migration
  // transactions), to split each run's time into the migrations and the rest.
  const insideMigrations = [];
  // Per CLI run: the migrate step's own duration_ms (step.succeeded), paired with the floor.
  const migrateStep = [];

  const cliRound = (via) => async (round) => {
    const db = await server.createDatabase(via);
    const { ms, result } = await cliUpgrade(server, project, {
      database: db,
      migrations: HISTORY,
      runsDir,
      via,
    });
    if (result.outputs.migrate?.applied !== migrations.length) {
      throw new Error(`runbook (${via}) applied ${result.outputs.migrate?.applied} migrations`);
    }
    await checkTables(db, `the CLI run (${via})`);
    await checkVersion(db, `the CLI run (${via})`);
    if (via === 'bin' && round >= 0) migrateStep.push(stepDuration(result.runDir, 'migrate'));
    await server.dropDatabase(db);
    return ms;
  };

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
        await checkVersion(db, 'the floor');
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
        await checkVersion(db, 'the library run');
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
      cli: cliRound('bin'),
      npx: cliRound('npx'),
    },
    reps,
    { warmup: 1 },
  );

  // Where the engine's time goes: Σ migration.applied duration_ms is the time inside the
  // migration transactions (SQL, version row, provenance probe, COMMIT); the rest of a run is
  // everything around them. Medians over the library runs.
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
      `steps). Fastest library run / fastest floor: ${fmtRatio(best)}. Every side starts from an ` +
      `empty database created outside the timing and must leave ${tables} tables and ` +
      `alembic_version at ${head} (dbmate: its schema_migrations with every version). The CLI ` +
      `runs ${project.bin} (a project depending on this checkout) with --json and must report ` +
      `${migrations.length} applied.`,
  );
  // The verdict is on the median of per-round ratios (each pair ran back to back, under the
  // same load); the ratio of the medians is shown beside it.
  const row = (what, values, target, base = samples.floor, baseName = 'floor') => {
    const ratio = pairedRatio(values, base);
    return {
      what,
      value: `${fmtSamples(values)} vs ${baseName} ${fmtMs(median(base))} (ratio of medians ${fmtRatio(median(values) / median(base))})`,
      ratio: fmtRatio(ratio),
      ...(target
        ? { target: `≤ ${target.toFixed(2)}×`, pass: ratio <= target }
        : { status: 'info' }),
    };
  };
  const peer = samples.dbmate?.length
    ? [
        row('1c dbmate (Go binary, its own schema_migrations), same history', samples.dbmate),
        row(
          '1d the CLI (1b) vs dbmate, same rounds',
          samples.cli,
          CLI_VS_DBMATE,
          samples.dbmate,
          'dbmate',
        ),
      ]
    : [];
  return [
    row(
      '1a engine vs psql floor, nova/after, library (runProcedure upgrade)',
      samples.library,
      TARGET,
    ),
    row(
      '1b the same through the CLI: node_modules/.bin/runbook run upgrade (a new process)',
      samples.cli,
      CLI_TARGET,
    ),
    ...peer,
    row(
      "1e the CLI run's migrate step alone (its step.succeeded duration_ms)",
      migrateStep,
      MIGRATE_TARGET,
    ),
    row('1f the same CLI run through `npx runbook` (npm exec start-up added)', samples.npx),
  ];
}

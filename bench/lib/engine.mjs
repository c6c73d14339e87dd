// The two ways the benchmarks drive the engine: the library (runProcedure / resumeRun in this
// process) and the CLI (`runbook run upgrade` in a child process, started as a user's project
// starts it: see consumer.mjs), both on the shipped `procedures/upgrade.yaml`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { createReporter } from '../../dist/engine/reporter.js';
import { resumeRun } from '../../dist/engine/resume-run.js';
import { runProcedure } from '../../dist/engine/run-procedure.js';
import { engineEnv, ROOT } from './server.mjs';

/** The shipped procedure every engine measurement runs. */
export const UPGRADE_PROCEDURE = path.join(ROOT, 'procedures', 'upgrade.yaml');

const silent = createReporter({ silent: true });

/**
 * Runs `upgrade` through the library: creates `database` when missing, upgrades it through
 * `migrations` (a folder, or an alembic.ini with layout `alembic`). `env` adds variables. Returns { ms, result }.
 */
export async function libraryUpgrade(server, { database, migrations, layout, runsDir, env = {} }) {
  const params = { database, migrations };
  if (layout) params.layout = layout;
  const start = performance.now();
  const result = await runProcedure({
    procedure: UPGRADE_PROCEDURE,
    params,
    databaseUrl: server.url,
    runsDir,
    cwd: ROOT,
    env: { ...engineEnv(), ...env },
    reporter: silent,
    command: 'bench',
  });
  return { ms: performance.now() - start, result };
}

/** Resumes a stopped run through the library. Returns { ms, result }. */
export async function libraryResume(server, { run, runsDir }) {
  const start = performance.now();
  const result = await resumeRun({
    run,
    databaseUrl: server.url,
    runsDir,
    cwd: ROOT,
    env: engineEnv(),
    reporter: silent,
    command: 'bench',
  });
  return { ms: performance.now() - start, result };
}

/**
 * How the CLI is started: `bin` runs the consumer project's node_modules/.bin/runbook directly (its
 * `#!/usr/bin/env node` line starts Node, as in a CI shell step); `npx` runs `npx runbook` in that
 * project (npm resolves the same bin first, and adds its own start-up).
 */
export const CLI_WAYS = ['bin', 'npx'];

/**
 * Runs the CLI with `args` from the consumer project `project` ({ dir, bin } of
 * consumerProject) `via` one of {@link CLI_WAYS}; resolves { ms, code, stdout, stderr }.
 */
export function cli(project, args, { via = 'bin', env = engineEnv() } = {}) {
  const [command, argv] =
    via === 'npx' ? ['npx', ['--no-install', 'runbook', ...args]] : [project.bin, args];
  // The `node` the shebang finds is the one running the bench.
  const childEnv = {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`,
  };
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, argv, {
      cwd: project.dir,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stdout, stderr }));
  });
}

/**
 * The arguments of `runbook run upgrade --json` with the shipped procedures: `database` upgraded
 * through `migrations` on `server`, the run kept in `runsDir`.
 */
export function upgradeArgs(server, { database, migrations, runsDir }) {
  return [
    'run',
    'upgrade',
    '--json',
    '--procedures',
    path.join(ROOT, 'procedures'),
    '--runs-dir',
    runsDir,
    '--database-url',
    server.url,
    '--param',
    `database=${database}`,
    '--param',
    `migrations=${migrations}`,
  ];
}

/**
 * Runs `runbook run upgrade --json` through the CLI ({@link cli}); throws unless it exits 0 and
 * its result says succeeded. Returns { ms, result } (result: the printed JSON object).
 */
export async function cliUpgrade(server, project, { database, migrations, runsDir, via, env }) {
  const out = await cli(project, upgradeArgs(server, { database, migrations, runsDir }), {
    via,
    ...(env ? { env } : {}),
  });
  if (out.code !== 0) {
    throw new Error(`runbook run upgrade exited ${out.code}: ${out.stderr.trim().slice(-800)}`);
  }
  const result = JSON.parse(out.stdout);
  if (result.status !== 'succeeded') {
    throw new Error(`runbook run upgrade printed status ${result.status}`);
  }
  return { ms: out.ms, result };
}

/**
 * The `duration_ms` of step `step`'s `step.succeeded` line in a run's events.jsonl (the step's
 * own time, as the engine logged it). Throws when the run has no such line.
 */
export function stepDuration(runDir, step) {
  for (const line of readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'step.succeeded' && e.step === step) return e.data.duration_ms;
  }
  throw new Error(`run ${runDir} logged no step.succeeded for ${step}`);
}

/**
 * The times (ms since the epoch) of a run's `migration.applied` lines, in the order they were
 * logged: one per migration the run applied.
 */
export function appliedTimes(runDir) {
  const times = [];
  for (const line of readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'migration.applied') times.push(Date.parse(e.time));
  }
  return times;
}

/** Throws with the run's first failure unless the library run succeeded. */
export function assertSucceeded(result, what) {
  if (result.status !== 'succeeded') {
    const f = result.failures[0];
    throw new Error(`${what} ${result.status}: ${f ? `${f.code} ${f.message}` : 'no failure'}`);
  }
}

// The two ways the benchmarks drive the engine: the library (runProcedure / resumeRun in this
// process) and the CLI (`node bin/runbook.js run upgrade` in a child process), both on the shipped
// `procedures/upgrade.yaml`.
import { spawn } from 'node:child_process';
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

/** Runs `node bin/runbook.js <args>` from the repository root; resolves { ms, code, stdout, stderr }. */
export function cli(args, env = engineEnv()) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'runbook.js'), ...args], {
      cwd: ROOT,
      env,
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

/** Runs `upgrade` through the CLI; throws unless it exits 0. Returns { ms }. */
export async function cliUpgrade(server, { database, migrations, runsDir }) {
  const out = await cli([
    'run',
    'upgrade',
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
  ]);
  if (out.code !== 0) {
    throw new Error(`runbook run upgrade exited ${out.code}: ${out.stderr.trim().slice(-800)}`);
  }
  return out;
}

/** Throws with the run's first failure unless the library run succeeded. */
export function assertSucceeded(result, what) {
  if (result.status !== 'succeeded') {
    const f = result.failures[0];
    throw new Error(`${what} ${result.status}: ${f ? `${f.code} ${f.message}` : 'no failure'}`);
  }
}

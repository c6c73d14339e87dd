import type * as ChildProcess from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { StepError } from '../../../errors.js';
import { lazyBuiltin } from '../../../lazy-builtin.js';
import { packageFile } from '../../../package-root.js';

/** Loaded when a bridge is first spawned: the CLI's launcher holds this module (`run`'s head start). */
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');

/** An environment as the bridge reads it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Path of the shipped bridge script (`python/alembic_bridge.py` at the package root). */
export function bridgeScript(): string {
  return packageFile('python', 'alembic_bridge.py');
}

/** `env` without its unset variables, as a child process's environment. */
export function childEnvOf(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Spawns `python` on the bridge script for `ini` (in the ini's directory), its three pipes open. */
export function spawnBridge(
  python: string,
  ini: string,
  env: Record<string, string>,
): ChildProcessWithoutNullStreams {
  return childProcess().spawn(python, [bridgeScript(), ini], {
    cwd: path.dirname(ini),
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * The variables a Python process reads as it starts or as Alembic, SQLAlchemy and psycopg2 are
 * imported (interpreter, paths, locale, time zone, dynamic linker, SQLAlchemy's switches). Two
 * environments that agree on these start the same bridge; the rest is handed over by `bind`.
 */
const STARTUP_VARIABLE =
  /^(PYTHON.*|RUNBOOK_PYTHON|PATH|HOME|LANG|LANGUAGE|LC_.*|TZ|VIRTUAL_ENV|CONDA_PREFIX|LD_.*|SQLALCHEMY.*|DISABLE_SQLALCHEMY.*)$/;

/**
 * What identifies a started bridge process: the ini and the environment variables Python reads
 * as it starts ({@link STARTUP_VARIABLE}); a process started under one key serves a run under the
 * same key once handed the rest of the run's environment.
 */
export function startupKey(ini: string, env: Env): string {
  const vars = Object.keys(env)
    .filter((k) => STARTUP_VARIABLE.test(k) && env[k] !== undefined)
    .sort()
    .map((k) => [k, env[k]]);
  return JSON.stringify([ini, vars]);
}

function canImport(python: string): boolean {
  const r = childProcess().spawnSync(python, ['-c', 'import alembic, psycopg2'], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

/** The Pythons to try, in order: `RUNBOOK_PYTHON`, `/usr/bin/python3`, `python3` on PATH. */
export function pythonCandidates(env: Env): string[] {
  return [env.RUNBOOK_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
}

function pythonKey(env: Env): string {
  return JSON.stringify([pythonCandidates(env), env.PATH ?? '']);
}

// Which Python can run the bridge, per candidate list and PATH, for the life of the process: the
// bridge itself answers it (its hello line says whether alembic and psycopg2 import), so a run
// does not pay a separate probe; findPython() probes when asked before any bridge started.
const found = new Map<string, string | null>();

/**
 * What this process knows of the Python for `env`: its path, null when none of the candidates
 * can import alembic and psycopg2, undefined when not yet known.
 */
export function knownPython(env: Env): string | null | undefined {
  return found.get(pythonKey(env));
}

/** Records what a bridge start learnt (undefined forgets it, e.g. after a known Python failed). */
export function rememberPython(env: Env, python: string | null | undefined): void {
  if (python === undefined) found.delete(pythonKey(env));
  else found.set(pythonKey(env), python);
}

/**
 * The Python that runs the bridge: `RUNBOOK_PYTHON` when set, else `/usr/bin/python3` when it can
 * import alembic and psycopg2 (Debian's packages), else `python3` on PATH. Null when none can.
 * The answer is remembered for the life of the process (per `RUNBOOK_PYTHON` and `PATH`).
 */
export function findPython(env: Env = process.env): string | null {
  const known = knownPython(env);
  if (known !== undefined) return known;
  const python = pythonCandidates(env).find(canImport) ?? null;
  rememberPython(env, python);
  return python;
}

/** The failure of a run that needs the bridge where no Python can run it. */
export function alembicUnavailable(detail?: string): StepError {
  return new StepError('ALEMBIC_UNAVAILABLE', 'no python3 that can import alembic and psycopg2', {
    hint: 'install python3-alembic and python3-psycopg2, or set RUNBOOK_PYTHON',
    ...(detail ? { detail } : {}),
  });
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The repository root and its launcher; the tests assume `npm run build` has run (`pretest`). */
export const REPO = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'runbook.cjs');

/** What a finished CLI process left. */
export interface CliResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running, with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits. */
  done: Promise<CliResult>;
}

/** Options of one invocation. */
export interface CliOptions {
  /** Variables to set, or to remove when `undefined` (e.g. `{ DB_ROLE: undefined }`). */
  env?: Record<string, string | undefined>;
  /** Working directory (default: the workspace's). */
  cwd?: string;
}

/** Variables of the parent that must not leak into the child (the tests declare their own). */
const SCRUBBED = ['DATABASE_URL', 'DB_AUTHORITY', 'DB_ROLE', 'DB_ENV', 'CONFIRM_PROD_MIGRATIONS'];

function childEnv(base: Record<string, string>, extra: CliOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (SCRUBBED.includes(k) || k.startsWith('RUNBOOK_')) delete env[k];
  Object.assign(env, base);
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Spawns `node bin/runbook.cjs ...args` and collects its output. The child gets
 * DB_AUTHORITY=local, DB_ROLE=staging, NO_COLOR=1 and no DATABASE_URL unless `env` says otherwise.
 */
export function spawnCli(
  args: string[],
  cwd: string,
  base: Record<string, string>,
  options: CliOptions = {},
): CliProcess {
  if (!existsSync(path.join(REPO, 'dist', 'bin', 'main.cjs')))
    throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? cwd,
    env: childEnv(base, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, done };
}

/** A temp working directory with its own `procedures/` and `runs/`, and a CLI bound to it. */
export interface CliWorkspace {
  dir: string;
  proceduresDir: string;
  runsDir: string;
  /** Writes `procedures/<name>.yaml`; returns its path. */
  writeProcedure(name: string, yaml: string): Promise<string>;
  /** Runs the CLI to completion. */
  cli(args: string[], options?: CliOptions): Promise<CliResult>;
  /** Starts the CLI without waiting. */
  start(args: string[], options?: CliOptions): CliProcess;
  /** Run ids under `runs/`, sorted. */
  runIds(): string[];
  /** The parsed lines of a run's `events.jsonl` (lines that do not parse are skipped). */
  events(runId: string): { seq: number; type: string; step: string | null; data: unknown }[];
  /** Every file under a directory, recursively (relative paths). */
  files(under?: string): string[];
  dispose(): Promise<void>;
}

/** Creates a {@link CliWorkspace} in a fresh temp directory. */
export async function createCliWorkspace(prefix = 'runbook-cli-'): Promise<CliWorkspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const proceduresDir = path.join(dir, 'procedures');
  const runsDir = path.join(dir, 'runs');
  await mkdir(proceduresDir);
  // An accidental fallback to the embedded server would start one here, never in the repo.
  const base = {
    DB_AUTHORITY: 'local',
    DB_ROLE: 'staging',
    NO_COLOR: '1',
    RUNBOOK_EMBEDDED_DIR: path.join(dir, '.runbook', 'postgres'),
  };
  const ws: CliWorkspace = {
    dir,
    proceduresDir,
    runsDir,
    async writeProcedure(name, yaml) {
      const file = path.join(proceduresDir, `${name}.yaml`);
      await writeFile(file, yaml);
      return file;
    },
    cli: (args, options) => spawnCli(args, dir, base, options).done,
    start: (args, options) => spawnCli(args, dir, base, options),
    runIds: () =>
      existsSync(runsDir)
        ? readdirSync(runsDir)
            .filter((f) => !f.startsWith('.'))
            .sort()
        : [],
    events(runId) {
      const text = readFileSync(path.join(runsDir, runId, 'events.jsonl'), 'utf8');
      const out: ReturnType<CliWorkspace['events']> = [];
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as ReturnType<CliWorkspace['events']>[number]);
        } catch {
          // a torn last line after a kill: not an event
        }
      }
      return out;
    },
    files(under = dir) {
      if (!existsSync(under)) return [];
      return readdirSync(under, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(under, path.join(e.parentPath, e.name)))
        .sort();
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

/** Polls `check` every 25 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not there yet (file missing or half written)
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Parses the single JSON object `--json` prints on stdout. */
export function parseJson<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

/** True while a Python process runs the Alembic bridge on `dir`'s alembic.ini. */
export function bridgeRunning(dir: string): boolean {
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.split('\n').some((l) => l.includes('alembic_bridge.py') && l.includes(dir));
}

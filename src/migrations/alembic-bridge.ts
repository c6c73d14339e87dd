import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StepError } from '../engine/step-failure.js';
import type { JsonObject } from '../json.js';

/** A revision as the bridge lists it. */
export interface BridgeRevision {
  revision: string;
  down_revisions: string[];
  branch_labels: string[];
  depends_on: string[];
  message: string | null;
  path: string;
}

/** A database error as the bridge reports it (psycopg2's pgcode and diagnostics). */
export interface BridgeError {
  type: string;
  pgcode: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
  position: number | null;
  statement: string | null;
  traceback?: string;
}

/** Path of the shipped bridge script (`python/alembic_bridge.py` at the package root). */
export function bridgeScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = path.resolve(here, up, 'python', 'alembic_bridge.py');
    if (existsSync(p)) return p;
  }
  throw new Error('python/alembic_bridge.py not found next to the package');
}

function canImport(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import alembic, psycopg2'], { stdio: 'ignore' });
  return r.status === 0;
}

// Probing a Python costs a process start plus `import alembic` (~0.3 s); a run starts the bridge
// several times (list, upgrade, current), so the answer is kept per candidate list and PATH.
const found = new Map<string, string | null>();

/**
 * The Python that runs the bridge: `RUNBOOK_PYTHON` when set, else `/usr/bin/python3` when it can
 * import alembic and psycopg2 (Debian's packages), else `python3` on PATH. Null when none can.
 * The answer is remembered for the life of the process (per `RUNBOOK_PYTHON` and `PATH`).
 */
export function findPython(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | null {
  const candidates = [env.RUNBOOK_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string =>
    Boolean(c),
  );
  const key = JSON.stringify([candidates, env.PATH ?? '']);
  const known = found.get(key);
  if (known !== undefined) return known;
  const python = candidates.find(canImport) ?? null;
  found.set(key, python);
  return python;
}

/**
 * One running bridge process: Alembic's Config loaded once, commands sent as JSON lines, one
 * answer line each. `close()` ends it.
 */
export class AlembicBridge {
  private readonly lines: AsyncIterator<string>;
  private stderrTail = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4000);
    });
  }

  /** Starts the bridge for `ini`; `databaseUrl` (with password) goes through the environment only. */
  static start(
    ini: string,
    databaseUrl?: string,
    env: Readonly<Record<string, string | undefined>> = process.env,
  ): AlembicBridge {
    const python = findPython(env);
    if (!python) {
      throw new StepError(
        'ALEMBIC_UNAVAILABLE',
        'no python3 that can import alembic and psycopg2',
        {
          hint: 'install python3-alembic and python3-psycopg2, or set RUNBOOK_PYTHON',
        },
      );
    }
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
    if (databaseUrl) {
      childEnv.RUNBOOK_DATABASE_URL = databaseUrl;
      childEnv.DATABASE_URL = databaseUrl;
    }
    const child = spawn(python, [bridgeScript(), ini], {
      cwd: path.dirname(ini),
      env: childEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new AlembicBridge(child);
  }

  /** Sends one command and waits for its answer. */
  async request(command: JsonObject): Promise<JsonObject> {
    this.child.stdin.write(JSON.stringify(command) + '\n');
    const next = await this.lines.next();
    if (next.done) {
      throw new StepError('ALEMBIC_BRIDGE', 'the Alembic bridge exited unexpectedly', {
        detail: this.stderrTail.trim(),
      });
    }
    return JSON.parse(next.value) as JsonObject;
  }

  /** Alembic's stderr output so far (last 4000 characters). */
  get log(): string {
    return this.stderrTail;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    await exited;
  }
}

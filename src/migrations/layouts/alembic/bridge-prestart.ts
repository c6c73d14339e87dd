import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import {
  childEnvOf,
  pythonCandidates,
  spawnBridge,
  startupKey,
  type Env,
} from './bridge-python.js';

/** How long a bridge started ahead of need waits for the run to take it before it quits. */
const UNCLAIMED_MS = 30_000;

/** A bridge process started ahead of need, not yet taken. */
export interface PrestartedBridge {
  /** The bridge's process, started by `spawnBridge`, its pipes unread. */
  child: ChildProcessWithoutNullStreams;
  /** The Python it runs. */
  python: string;
  /** Set when it could not be started (spawn failed), or exited before it was taken. */
  gone?: string;
}

interface Entry extends PrestartedBridge {
  timer: NodeJS.Timeout;
}

// The launcher and the verb's bundle are separate bundles, each with its own copy of this module:
// what one starts, the other takes, so the registry lives on the global object.
const REGISTRY = Symbol.for('runbook.alembic.prestarted-bridges');

function registry(): Map<string, Entry> {
  const g = globalThis as { [REGISTRY]?: Map<string, Entry> };
  return (g[REGISTRY] ??= new Map());
}

function setRef(child: ChildProcessWithoutNullStreams, ref: boolean): void {
  for (const h of [child, child.stdin, child.stdout, child.stderr] as unknown as Socket[]) {
    if (ref) h.ref();
    else h.unref();
  }
}

/**
 * The alembic.ini that `value` (a parameter's value, relative to `cwd`) names as the `alembic`
 * layout would take it: an existing `.ini` file, or a directory holding `alembic.ini`; else
 * undefined.
 */
export function alembicIniOf(value: unknown, cwd: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const resolved = path.resolve(cwd, value);
  try {
    if (resolved.endsWith('.ini') && statSync(resolved).isFile()) return resolved;
    const ini = path.join(resolved, 'alembic.ini');
    return existsSync(ini) ? ini : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the Alembic bridge for `ini` ahead of need, with the first of the Pythons the bridge
 * would try, so that Python's start and its imports (a few hundred milliseconds) overlap the
 * CLI's own start: the first {@link takePrestartedBridge} for the same ini and start-up
 * environment takes it. It runs nothing of the project until a command comes. Untaken, it keeps
 * neither the event loop nor the process alive, and quits after 30 s or when this process exits
 * (its stdin closes). At most one per ini and start-up environment; a spawn that fails is kept
 * as such, for the taker to learn.
 */
export function prestartBridge(ini: string, env: Env = process.env): void {
  const key = startupKey(ini, env);
  const python = pythonCandidates(env)[0];
  if (!python || registry().has(key)) return;
  const child = spawnBridge(python, ini, childEnvOf(env));
  const timer = setTimeout(() => {
    if (registry().get(key)?.child !== child) return;
    registry().delete(key);
    child.kill();
  }, UNCLAIMED_MS);
  timer.unref();
  const entry: Entry = { child, python, timer };
  // Until taken, nobody else listens: a failed spawn or an early exit is noted for the taker.
  child.once('error', (err) => (entry.gone ??= `${python}: ${err.message}`));
  child.once('exit', () => (entry.gone ??= 'exited'));
  child.stdin.on('error', () => undefined);
  setRef(child, false);
  registry().set(key, entry);
}

/**
 * Takes the bridge {@link prestartBridge} started for `key` (the start-up key of an ini and an
 * environment), if any: it keeps the event loop alive again, and belongs to the caller.
 */
export function takePrestartedBridge(key: string): PrestartedBridge | undefined {
  const entry = registry().get(key);
  if (!entry) return undefined;
  registry().delete(key);
  clearTimeout(entry.timer);
  setRef(entry.child, true);
  let gone = entry.gone;
  if (gone === 'exited') {
    // As a start that fails reports it: what the process wrote on stderr (unread so far).
    const said = (entry.child.stderr.read() as Buffer | null)?.toString('utf8').trim();
    gone = said || `${entry.python} cannot import alembic and psycopg2`;
  }
  return { child: entry.child, python: entry.python, ...(gone !== undefined ? { gone } : {}) };
}

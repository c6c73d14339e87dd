import type { JsonObject } from '../../../json.js';
import {
  alembicUnavailable,
  childEnvOf,
  knownPython,
  pythonCandidates,
  rememberPython,
  startupKey,
  type Env,
} from './bridge-python.js';
import { BridgeProcess } from './bridge-process.js';
import { takePrestartedBridge, type PrestartedBridge } from './bridge-prestart.js';

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

/**
 * `url` as SQLAlchemy loads it: `postgres://` (what many hosts and `runbook db url` print, and
 * what libpq accepts) names no SQLAlchemy dialect (`Can't load plugin:
 * sqlalchemy.dialects:postgres`); its dialect is `postgresql`. Anything else is left as it is.
 */
export function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres(\+\w+)?:\/\//i, (_m, driver: string | undefined) => {
    return `postgresql${driver ?? ''}://`;
  });
}

/** Bridges that listed revisions and wait for a run's upgrade, one per ini and start-up environment. */
const parked = new Map<string, BridgeProcess>();

function takeParked(key: string): BridgeProcess | undefined {
  const p = parked.get(key);
  if (!p) return undefined;
  parked.delete(key);
  p.unpark();
  return p.alive ? p : undefined;
}

function park(p: BridgeProcess): boolean {
  if (!p.alive || !p.clean || p.upgraded || parked.has(p.key)) return false;
  parked.set(p.key, p);
  p.park(() => {
    if (parked.get(p.key) === p) parked.delete(p.key);
    void p.quit();
  });
  return true;
}

async function startProcess(
  ini: string,
  env: Env,
  childEnv: Record<string, string>,
  key: string,
  failures: string[] = [],
  tried?: string,
): Promise<BridgeProcess> {
  const known = knownPython(env);
  if (known === null) throw alembicUnavailable();
  const candidates = known ? [known] : pythonCandidates(env).filter((c) => c !== tried);
  for (const python of candidates) {
    const started = await BridgeProcess.spawn(python, ini, childEnv, key);
    if ('process' in started) {
      rememberPython(env, python);
      return started.process;
    }
    failures.push(started.failed);
  }
  // A remembered Python that stopped working is forgotten: the next start tries them all again.
  rememberPython(env, known ? undefined : null);
  throw alembicUnavailable(failures.join('\n').slice(-4000));
}

/** `p` handed the run's environment (`bind`); a process started afresh if it refuses. */
async function bound(
  p: BridgeProcess,
  ini: string,
  env: Env,
  childEnv: Record<string, string>,
  key: string,
): Promise<BridgeProcess> {
  const res = await p.request({ cmd: 'bind', env: childEnv }).catch(() => undefined);
  if (res?.ok === true) return p;
  void p.quit();
  return startProcess(ini, env, childEnv, key);
}

/**
 * The bridge started ahead of need, once it said hello, bound to the run's environment; when its
 * Python cannot run the bridge, the other candidates are tried as a start would, that one not
 * again.
 */
async function adoptPrestarted(
  early: PrestartedBridge,
  ini: string,
  env: Env,
  childEnv: Record<string, string>,
  key: string,
): Promise<BridgeProcess> {
  const started = early.gone
    ? { failed: early.gone }
    : await BridgeProcess.adopt(early.child, early.python, key);
  if ('process' in started) {
    rememberPython(env, early.python);
    return bound(started.process, ini, env, childEnv, key);
  }
  if (knownPython(env) === undefined) {
    return startProcess(ini, env, childEnv, key, [started.failed], early.python);
  }
  return startProcess(ini, env, childEnv, key);
}

/**
 * A bridge for one use: listing revisions (alembic-source.ts) or one step's upgrade
 * (upgrade-database.ts, through alembic-upgrade.ts). Commands are JSON lines, one answer line
 * each (an upgrade's per-revision lines before it); `close()` ends the use.
 *
 * At most one Python process serves a run where it can: a bridge that only listed revisions, and
 * whose listing imported nothing but libraries (see the bridge's `clean`), is parked when closed
 * and taken by the next start for the same ini and start-up environment, which hands it the
 * run's full environment and database URL (`bind`) before its first command — what a process
 * started for that run would have had. A bridge that ran an upgrade is never reused.
 */
export class AlembicBridge {
  private readonly proc: Promise<BridgeProcess>;
  private current: BridgeProcess | undefined;
  private closed = false;

  private constructor(proc: Promise<BridgeProcess>) {
    this.proc = proc.then((p) => (this.current = p));
    // Failures surface from request(); never as an unhandled rejection.
    this.proc.catch(() => undefined);
  }

  /**
   * Starts the bridge for `ini`; `databaseUrl` (with password) goes through the environment only.
   * `applicationName` (a run's session tag) becomes the `application_name` of the sessions env.py
   * opens through libpq (`PGAPPNAME`, unless the environment sets it), so that a resume can end a
   * session a killed run's bridge left.
   */
  static start(
    ini: string,
    databaseUrl?: string,
    env: Env = process.env,
    applicationName?: string,
  ): AlembicBridge {
    if (knownPython(env) === null) throw alembicUnavailable();
    const childEnv = childEnvOf(env);
    if (databaseUrl) {
      childEnv.RUNBOOK_DATABASE_URL = sqlalchemyUrl(databaseUrl);
      childEnv.DATABASE_URL = sqlalchemyUrl(databaseUrl);
    }
    if (applicationName && childEnv.PGAPPNAME === undefined) childEnv.PGAPPNAME = applicationName;
    const key = startupKey(ini, env);
    const reused = takeParked(key);
    if (reused) return new AlembicBridge(bound(reused, ini, env, childEnv, key));
    const early = takePrestartedBridge(key);
    if (early) return new AlembicBridge(adoptPrestarted(early, ini, env, childEnv, key));
    return new AlembicBridge(startProcess(ini, env, childEnv, key));
  }

  /**
   * Sends one command and waits for its answer; `onEvent` gets the lines an upgrade writes
   * before it (one per revision as it commits), in order, each awaited before the next.
   */
  async request(
    command: JsonObject,
    onEvent?: (event: JsonObject) => Promise<void>,
  ): Promise<JsonObject> {
    if (this.closed) throw new Error('AlembicBridge.request after close()');
    const p = await this.proc;
    const res = await p.request(command, onEvent);
    if (command.cmd === 'list') p.clean = res.ok === true && res.clean === true;
    return res;
  }

  /** Asks a running upgrade to stop before its next revision (it then answers `Stopped`). */
  stop(): void {
    this.current?.send({ cmd: 'stop' });
  }

  /** Alembic's stderr output so far (last 4000 characters). */
  get log(): string {
    return this.current?.stderrTail ?? '';
  }

  /**
   * Ends this use: a bridge that only listed revisions (cleanly) is parked for the next start,
   * any other quits.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const p = await this.proc.catch(() => undefined);
    if (!p || park(p)) return;
    await p.quit();
  }
}

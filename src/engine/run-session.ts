import os from 'node:os';
import path from 'node:path';
import { actions as registry } from '../actions/index.js';
import type { ActionDefinition } from '../actions/types.js';
import { InvalidInputError, RefusalError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { ensureEmbeddedServer, releaseEmbeddedServer } from '../postgres/embedded.js';
import { describeTarget } from '../postgres/target.js';
import { redactUrl } from '../postgres/url.js';
import { DEFAULT_RUNS_DIR } from '../runs/file-run-store.js';
import { runOfSessionTag } from '../runs/session-tag.js';
import type { Procedure } from '../procedure/types.js';
import { checkAuthority, type AuthorityGranted } from './authority.js';
import { redactArguments, secretValues } from './redact-arguments.js';
import { createReporter, type Reporter } from './reporter.js';

/** Options shared by `runProcedure` and `resumeRun`. */
export interface SessionOptions {
  /** Server URL (maintenance database). Default: DATABASE_URL, else the embedded server. */
  databaseUrl?: string;
  /** Runs directory (default `runs`). */
  runsDir?: string;
  /** Working directory relative paths resolve against (default process.cwd()). */
  cwd?: string;
  /** Environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the embedded server lives (default `.runbook/postgres` under cwd). */
  embeddedDir?: string;
  /** Progress output (default: stderr). */
  reporter?: Reporter;
  /** Action registry override (tests). */
  actions?: ReadonlyMap<string, ActionDefinition>;
}

/** Authority flags of a CLI invocation; each overrides its environment variable. */
export interface AuthorityFlags {
  authority?: string;
  role?: string;
  env?: string;
  confirmProd?: boolean;
  authorityHosts?: string;
  /** Further confirmation gates given with `--confirm <gate>` (e.g. `drop`). */
  confirm?: string[];
}

/** The gates confirmed for a run: those the authority check granted plus `--confirm <gate>`s. */
export function confirmedGates(
  granted: ReadonlySet<string>,
  flags: AuthorityFlags | undefined,
): Set<string> {
  return new Set([...granted, ...(flags?.confirm ?? [])]);
}

/**
 * The command line as recorded (lock file, log): URL passwords and secret param values masked.
 */
export function recordedCommand(
  command: string,
  procedure: Procedure,
  params: Record<string, JsonValue>,
): string {
  return redactArguments(redactUrl(command), secretValues(procedure, params)) as string;
}

/** The one identity string recorded for operator actions: `$USER@host`. */
export function operatorIdentity(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  let user = env.USER ?? env.USERNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}

/** Resolved common options; an empty `runsDir` is refused (it would mean the working directory). */
export function sessionDefaults(options: SessionOptions) {
  if (options.runsDir?.trim() === '') {
    throw new InvalidInputError([
      { path: '--runs-dir', message: 'the runs directory is empty', hint: 'e.g. --runs-dir runs' },
    ]);
  }
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  return {
    cwd,
    env,
    runsDir: path.resolve(cwd, options.runsDir ?? DEFAULT_RUNS_DIR),
    embeddedDir: path.resolve(
      cwd,
      options.embeddedDir ?? env.RUNBOOK_EMBEDDED_DIR ?? '.runbook/postgres',
    ),
    reporter: options.reporter ?? createReporter({ env: env as NodeJS.ProcessEnv }),
    actions: options.actions ?? registry,
  };
}

/**
 * The authority contract for one invocation, before anything connects: the URL must parse
 * ({@link InvalidInputError}, exit 2) and the declared authority, role and confirmations must allow
 * the procedure ({@link RefusalError}, exit 3). Warnings are printed; the grant is returned.
 */
export function authorize(
  procedure: Procedure,
  d: ReturnType<typeof sessionDefaults>,
  flags: AuthorityFlags | undefined,
  url: string,
): AuthorityGranted {
  try {
    describeTarget(url);
  } catch (err) {
    throw new InvalidInputError([{ message: (err as Error).message, path: '--database-url' }]);
  }
  const decision = checkAuthority({
    requires: procedure.requires,
    writes: procedureWrites(procedure, d.actions),
    env: d.env,
    flags: flags ?? {},
    url,
  });
  if (!decision.ok) throw new RefusalError(decision.code, decision.message);
  for (const w of decision.warnings) d.reporter.line(`warning: ${w}`);
  return decision;
}

/**
 * Whether any step of a procedure may write (the authority contract's `writes`), derived from its
 * steps: an action counts as writing unless its definition says `writes: false` (an unknown one
 * counts as writing). A declared `requires.writes: true` makes a read-only procedure count as
 * writing; a declared `false` is never believed over the steps (loading refuses a contradicting
 * one; a `Procedure` built by hand gets the derived value).
 */
export function procedureWrites(
  procedure: Procedure,
  actions: ReadonlyMap<string, ActionDefinition>,
): boolean {
  const walk = (steps: Procedure['steps']): boolean =>
    steps.some((s) =>
      s.kind === 'action'
        ? (actions.get(s.do)?.writes ?? true)
        : s.branches.some((b) => walk(b.steps)),
    );
  return procedure.requires.writes === true || walk(procedure.steps) || walk(procedure.finally);
}

/** A connection to the server for one run: the URL's server or the embedded one, started on demand. */
export interface ServerSession {
  url: string;
  embedded: boolean;
  release(): Promise<void>;
}

/** The URL a run will use, before anything starts (the embedded server's host is loopback). */
export function plannedUrl(
  databaseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return databaseUrl ?? env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1/postgres';
}

/** Opens the server: the given URL, or starts the embedded server (stopped again by `release`). */
export async function openServer(
  databaseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  embeddedDir: string,
): Promise<ServerSession> {
  const url = databaseUrl ?? env.DATABASE_URL;
  if (url) return { url, embedded: false, release: async () => undefined };
  const server = await ensureEmbeddedServer(embeddedDir);
  return { url: server.url, embedded: true, release: () => releaseEmbeddedServer(embeddedDir) };
}

/** Advisory-lock class for whole runs (two-int4 key space: never collides with bigint keys). */
const RUN_LOCK_CLASS = 0x52554e42; // 'RUNB'

/**
 * The database a procedure says it drives: its `database` param. Procedures without one (scratch
 * databases, audits of the URL's database) take no whole-run lock; their migration and stamp
 * steps still hold the per-database migration lock.
 */
export function targetDatabase(params: Record<string, unknown>): string | undefined {
  return typeof params.database === 'string' ? params.database : undefined;
}

/**
 * Takes the session-level advisory lock that stops two runs from driving one database at once
 * (keyed on the database the procedure targets), or checks the server answers when there is
 * none. Refuses (exit 3) naming the holder's run id, read from the holder's `application_name`
 * ({@link sessionTag}).
 */
export async function lockTargetDatabase(
  connections: Connections,
  database: string | undefined,
): Promise<void> {
  const pool = connections.pool();
  const client = await pool.connect();
  if (database === undefined) {
    client.release(); // the server answers: that is all a run without a target database needs
    return;
  }
  const got = await client.query<{ ok: boolean; k: number }>(
    'SELECT pg_try_advisory_lock($1::int4, k) AS ok, k FROM (SELECT hashtext($2) AS k) h',
    [RUN_LOCK_CLASS | 0, database],
  );
  const k = got.rows[0]!.k;
  if (got.rows[0]?.ok) {
    // Held for the life of the run: the client stays checked out until the pool ends.
    connections.onEnd(async () => client.release(true));
    return;
  }
  const holder = await client.query<{ app: string | null; pid: number }>(
    `SELECT a.application_name AS app, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = ($1::int4)::oid AND l.objid = ($2::int4)::oid AND l.objsubid = 2
        AND l.granted LIMIT 1`,
    [RUN_LOCK_CLASS | 0, k],
  );
  client.release();
  const tagged = runOfSessionTag(holder.rows[0]?.app);
  const runId = tagged && 'runId' in tagged ? tagged.runId : undefined;
  const named = runId ?? (tagged && 'abbreviated' in tagged ? tagged.abbreviated : undefined);
  throw new RefusalError(
    'DATABASE_LOCKED',
    `database "${database}" is being driven by ${named ? `run ${named}` : `another session (pid ${holder.rows[0]?.pid ?? '?'})`}; ` +
      'wait for it to finish or inspect it with `runbook runs`',
    { database, holderRunId: runId ?? null } as Record<string, JsonValue>,
  );
}

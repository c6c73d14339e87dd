import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent } from '../../src/postgres/quote.js';
import { withDatabase } from '../../src/postgres/url.js';
import {
  createCliWorkspace,
  REPO,
  type CliOptions,
  type CliResult,
  type CliWorkspace,
} from './cli.js';
import { adminQuery, adminUrl } from './database.js';

/** One item of `artifacts/checklist.json`. */
export interface ChecklistItem {
  item: string;
  step: string;
  status: string;
  evidence: string;
}

/** A logged event of `events.jsonl` with its data as a plain record. */
export interface LoggedEvent {
  seq: number;
  type: string;
  step: string | null;
  data: Record<string, unknown>;
}

/** Options of one {@link ProcedureCli.runbook} call. */
export interface RunbookOptions extends CliOptions {
  /**
   * `--database-url` to pass; default the test server's admin URL for the verbs that take it (run,
   * resume, status), `null` for none.
   */
  databaseUrl?: string | null;
}

/**
 * The shipped procedures driven through the built CLI: cwd is the repository root (so the
 * procedures' default example paths resolve), `--procedures <repo>/procedures` where the verb
 * takes it (`resume` reads the procedure its run recorded), and a temp `--runs-dir`. Every child
 * that connects gets the test server's admin URL (never the embedded default), and every child
 * NO_COLOR=1, DB_AUTHORITY=local and DB_ROLE=staging unless `env` overrides them.
 */
export interface ProcedureCli {
  /** The temp workspace (its `runsDir` is the runs directory). */
  ws: CliWorkspace;
  runsDir: string;
  /** `runbook <args> [--procedures …] --runs-dir … [--database-url …]`, run to completion. */
  runbook(args: string[], options?: RunbookOptions): Promise<CliResult>;
  /** Run ids in the runs directory, sorted (oldest first). */
  runIds(): string[];
  /** The run id created by the last `run` (the newest). */
  lastRunId(): string;
  /** The events of a run, parsed. */
  events(runId: string): LoggedEvent[];
  /** The text of `runs/<id>/artifacts/<name>`. */
  artifact(runId: string, name: string): string;
  /** Whether that artifact exists. */
  hasArtifact(runId: string, name: string): boolean;
  /** `artifacts/checklist.json` of a run. */
  checklist(runId: string): ChecklistItem[];
  dispose(): Promise<void>;
}

/** The verbs that take `--procedures`, and those that take `--database-url` (others refuse them). */
const TAKES_PROCEDURES = new Set(['list', 'show', 'compile', 'run']);
const TAKES_DATABASE_URL = new Set(['run', 'resume', 'status']);

/** Creates a {@link ProcedureCli} in a fresh temp directory. */
export async function createProcedureCli(): Promise<ProcedureCli> {
  const ws = await createCliWorkspace('runbook-procedures-');
  const artifactPath = (runId: string, name: string): string =>
    path.join(ws.runsDir, runId, 'artifacts', name);
  return {
    ws,
    runsDir: ws.runsDir,
    runbook(args, options = {}) {
      const { databaseUrl, ...cli } = options;
      const verb = args[0] ?? '';
      const url =
        databaseUrl === undefined
          ? TAKES_DATABASE_URL.has(verb)
            ? adminUrl()
            : null
          : databaseUrl;
      const common = TAKES_PROCEDURES.has(verb)
        ? ['--procedures', path.join(REPO, 'procedures')]
        : [];
      common.push('--runs-dir', ws.runsDir);
      if (url !== null) common.push('--database-url', url);
      return ws.cli([...args, ...common], { cwd: REPO, ...cli });
    },
    runIds: () => ws.runIds(),
    lastRunId() {
      const ids = ws.runIds();
      if (ids.length === 0) throw new Error(`no run under ${ws.runsDir}`);
      // Ids sort by procedure name first: the newest is the one whose run.json started last.
      return ids
        .map((id) => ({ id, record: startedAt(ws.runsDir, id) }))
        .sort((a, b) => a.record.localeCompare(b.record))
        .at(-1)!.id;
    },
    events: (runId) => ws.events(runId) as LoggedEvent[],
    artifact: (runId, name) => readFileSync(artifactPath(runId, name), 'utf8'),
    hasArtifact: (runId, name) => existsSync(artifactPath(runId, name)),
    checklist: (runId) =>
      JSON.parse(readFileSync(artifactPath(runId, 'checklist.json'), 'utf8')) as ChecklistItem[],
    dispose: () => ws.dispose(),
  };
}

/** When a run started (its run.json), for ordering runs of different procedures. */
function startedAt(runsDir: string, id: string): string {
  const record = JSON.parse(readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as {
    startedAt?: string;
  };
  return record.startedAt ?? id;
}

/** URL of `database` on the test server. */
export function databaseUrl(database: string): string {
  return withDatabase(adminUrl(), database);
}

/** Runs `sql` (one or more statements, no parameters) on `database`: the tests' `psql -f`. */
export async function execSql(database: string, sql: string): Promise<void> {
  const client = new pg.Client(databaseUrl(database));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a SQL file of the repository (path relative to the repo root) on `database`. */
export async function execSqlFile(database: string, file: string): Promise<void> {
  await execSql(database, readFileSync(path.resolve(REPO, file), 'utf8'));
}

/** One query on `database`, its rows. */
export async function queryRows<R extends pg.QueryResultRow>(
  database: string,
  sql: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client(databaseUrl(database));
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Names of the databases on the test server that start with `prefix`. */
export async function databasesStartingWith(prefix: string): Promise<string[]> {
  const { rows } = await adminQuery<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
    [prefix],
  );
  return rows.map((r) => r.datname);
}

/** Whether `database` exists on the test server. */
export async function databaseExists(database: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  return rows.length === 1;
}

/** Creates an empty database (dropping any leftover of the same name first). */
export async function createDatabase(database: string): Promise<void> {
  await dropDatabases([database]);
  await adminQuery(`CREATE DATABASE ${quoteIdent(database)}`);
}

/** Drops the named databases if they exist, ending their sessions. */
export async function dropDatabases(names: Iterable<string>): Promise<void> {
  for (const name of names)
    await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

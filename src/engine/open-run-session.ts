import { RefusalError, type StepFailureRecord } from '../errors.js';
import type { JsonValue } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { describeTarget } from '../postgres/target.js';
import type { Procedure } from '../procedure/types.js';
import { sessionTag } from '../runs/session-tag.js';
import type { AuthorityGranted } from './authority.js';
import { authorize, confirmedGates, type AuthorityFlags } from './authorize-procedure.js';
import { openServer, plannedUrl, type ServerSession } from './server-session.js';
import type { SessionSettings } from './session-options.js';
import { lockTargetDatabase, targetDatabase } from './target-lock.js';
import { toFailureRecord } from './to-failure-record.js';

/** What a run or a resume drives its procedure with, once connected and holding its database. */
export interface RunSession {
  settings: SessionSettings;
  procedure: Procedure;
  params: Record<string, JsonValue>;
  /** What the authority contract granted (the authority and role recorded for the run). */
  grant: AuthorityGranted;
  /** The gates confirmed: the grant's plus `--confirm <gate>`s. */
  confirmations: ReadonlySet<string>;
  server: ServerSession;
  /** Connections tagged with the run's id (`application_name`, see `sessionTag`). */
  connections: Connections;
  /** Why the server could not be reached, when {@link RunSessionRequest.tolerateUnreachable}. */
  unreachable?: StepFailureRecord;
}

/** What {@link withRunSession} sets up. */
export interface RunSessionRequest {
  runId: string;
  procedure: Procedure;
  params: Record<string, JsonValue>;
  /** The invocation's server URL and authority flags (a run's or a resume's options). */
  invocation: { databaseUrl?: string; authority?: AuthorityFlags };
  /**
   * Runs once the server is open, before the target database is locked: a resume checks the
   * server is the run's and ends the sessions a killed attempt left behind.
   */
  connected?: (server: ServerSession, connections: Connections) => Promise<void>;
  /**
   * Report an unreachable server as {@link RunSession.unreachable} instead of throwing it: a new
   * run is recorded as failed before its first step (resumable once the server is back).
   */
  tolerateUnreachable?: boolean;
  /** The database holding the run store, when it is one: refused as the run's target. */
  storeDatabase?: { host: string; port: number; database: string } | undefined;
}

/**
 * Refuses (exit 3) a run whose target database is the one holding its own run store: a
 * procedure that recreates or drops its database would destroy the log it is writing.
 */
function refuseStoreAsTarget(request: RunSessionRequest, serverUrl: string): void {
  const store = request.storeDatabase;
  if (!store) return;
  const server = describeTarget(serverUrl);
  const database = targetDatabase(request.params) ?? server.database;
  if (server.host === store.host && server.port === store.port && database === store.database) {
    throw new RefusalError(
      'TARGET_IS_RUN_STORE',
      `the run's target database ${server.host}:${server.port}/${database} holds the run store itself; keep runs in another database (--store)`,
    );
  }
}

/**
 * The session setup run and resume share: the authority contract (before anything connects), the
 * server (the URL's, or the embedded one started on demand), connections tagged with the run id,
 * and the whole-run advisory lock on the procedure's target database (refused, exit 3, while
 * another run holds it). `use` gets the session; the connections and the server are released
 * when it settles, whatever happened.
 */
export async function withRunSession<T>(
  settings: SessionSettings,
  request: RunSessionRequest,
  use: (session: RunSession) => Promise<T>,
): Promise<T> {
  const { runId, procedure, params } = request;
  const { databaseUrl, authority } = request.invocation;
  const grant = authorize(procedure, settings, authority, plannedUrl(databaseUrl, settings.env));
  const server = await openServer(databaseUrl, settings.env, settings.embeddedDir);
  let connections: Connections | undefined;
  try {
    refuseStoreAsTarget(request, server.url);
    connections = new Connections(server.url, { applicationName: sessionTag(runId) });
    await request.connected?.(server, connections);
    let unreachable: StepFailureRecord | undefined;
    try {
      await lockTargetDatabase(connections, targetDatabase(params));
    } catch (err) {
      // Only an unreachable server is tolerated; a lock held by another run still refuses.
      const failure = toFailureRecord(procedure.steps[0]?.id ?? 'start', err);
      const tolerated = request.tolerateUnreachable && !(err instanceof RefusalError);
      if (!tolerated || failure.code !== 'CONNECTION_FAILED') throw err;
      unreachable = failure;
    }
    return await use({
      settings,
      procedure,
      params,
      grant,
      confirmations: confirmedGates(grant.confirmations, authority),
      server,
      connections,
      ...(unreachable ? { unreachable } : {}),
    });
  } finally {
    await connections?.end();
    await server.release();
  }
}

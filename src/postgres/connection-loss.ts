import { sqlState, type SqlState } from '../errors.js';
/**
 * SQLSTATEs that end the session itself: the server is shutting down or crashed (57P01 admin
 * shutdown, which `pg_terminate_backend` also raises; 57P02 crash shutdown; 57P03 cannot connect
 * now) or the connection broke (class 08).
 */
const SESSION_ENDING = /^(08...|57P0[123])$/;

/** Socket errors that mean an established connection broke. */
const SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Messages node-postgres raises without a code when the socket closes under a query, or when a
 * query is sent on a client whose connection already failed.
 */
const CLOSED_MESSAGES = [
  'Connection terminated',
  'is not queryable',
  'Client was closed',
  'connection is closed',
];

/**
 * True when `err` says the database session is gone (the server stopped or restarted, the
 * backend was terminated, the socket broke): nothing more can be sent on that connection, and
 * whatever it had open was rolled back by the server (a COMMIT in flight may or may not have
 * landed; the version table says which).
 */
export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SESSION_ENDING.test(code) || SOCKET_CODES.has(code))) {
    return true;
  }
  return typeof code !== 'string' && CLOSED_MESSAGES.some((m) => err.message.includes(m));
}

/** The failure code of a lost connection: its SQLSTATE when the server sent one. */
export function connectionLossCode(err: unknown): SqlState | 'CONNECTION_LOST' {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && SESSION_ENDING.test(code) ? sqlState(code) : 'CONNECTION_LOST';
}

/** One readable sentence for a lost connection (the server's own words kept at the end). */
export function connectionLossMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `lost the connection to the database server: ${text}`;
}

/** The hint a lost-connection failure carries. */
export const CONNECTION_LOSS_HINT =
  'the server ended the session (stopped, restarted, or the backend was terminated); what ran in ' +
  'the open transaction was rolled back: once the server answers, `runbook resume` continues';

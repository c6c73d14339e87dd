import {
  CONNECTION_LOSS_HINT,
  connectionLossCode,
  connectionLossMessage,
  isConnectionLoss,
} from '../postgres/connection-loss.js';
import type { JsonValue } from '../json.js';
import { redactJson } from '../postgres/redact.js';
import { StepError, type StepFailureRecord } from '../errors.js';

/** Node socket error codes that mean the server could not be reached (resumable, exit 1). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
]);

interface PgLikeError {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  where?: string;
  address?: string;
  port?: number;
}

/**
 * Turns anything an action threw into the failure record held in context: a {@link StepError}
 * keeps its code and fields; a PostgreSQL error keeps its SQLSTATE, detail and hint; a socket
 * error becomes `CONNECTION_FAILED` with a readable message; a session lost mid-step (server
 * stopped, backend terminated) keeps its SQLSTATE (57P01…) or becomes `CONNECTION_LOST`. Every
 * string is redacted.
 */
export function toFailureRecord(step: string, error: unknown, at = new Date()): StepFailureRecord {
  const base = { step, at: at.toISOString() };
  let record: StepFailureRecord;
  if (error instanceof StepError) {
    record = { ...base, ...error.fields, code: error.code, message: error.message };
  } else if (error && typeof error === 'object' && 'message' in error) {
    const e = error as PgLikeError & Error;
    if (e.code && CONNECTION_CODES.has(e.code)) {
      const where = e.address ? ` ${e.address}${e.port ? `:${e.port}` : ''}` : '';
      record = {
        ...base,
        code: 'CONNECTION_FAILED',
        message: `could not connect to the database server${where} (${e.code}): ${e.message}`,
        hint: 'check that the server is running and the URL is right, then `runbook resume`',
      };
    } else if (isConnectionLoss(e)) {
      record = {
        ...base,
        code: connectionLossCode(e),
        message: connectionLossMessage(e),
        hint: CONNECTION_LOSS_HINT,
      };
    } else if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
      record = {
        ...base,
        code: e.code,
        message: e.message,
        ...(e.detail ? { detail: e.detail } : {}),
        ...(e.hint ? { hint: e.hint } : {}),
        ...(e.where ? { data: { where: e.where } } : {}),
      };
    } else {
      record = {
        ...base,
        code: e.code && typeof e.code === 'string' ? e.code : 'ERROR',
        message: e.message,
      };
    }
  } else {
    record = { ...base, code: 'ERROR', message: String(error) };
  }
  // String by string: a password pattern run over JSON text could take part of its syntax.
  return redactJson(
    JSON.parse(JSON.stringify(record)) as JsonValue,
  ) as unknown as StepFailureRecord;
}

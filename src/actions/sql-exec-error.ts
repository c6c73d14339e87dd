import { sqlState, StepError } from '../errors.js';
import type { JsonObject } from '../json.js';
import {
  charsBefore,
  indexAfterChars,
  lineAt,
  type ScriptStatement,
} from '../postgres/sql-script.js';

/** Longest statement text a `sql.exec` failure carries. */
const MAX_STATEMENT = 2000;

interface PgErrorLike {
  code?: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
  internalQuery?: string;
}

/**
 * Attaches file, line and statement to a pg error raised by `current` (or by the whole script,
 * sent at index `offset`); other errors pass through unchanged.
 */
export function sqlExecError(
  err: unknown,
  script: string,
  statements: ScriptStatement[] | undefined,
  offset: number,
  current: { text: string; start: number } | undefined,
  file: string | undefined,
): unknown {
  const e = err as PgErrorLike;
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return err;
  const pos = e.position ? Number(e.position) : NaN;
  // pg reports a 1-based character (code point) position in the text it was sent.
  const index = Number.isFinite(pos) ? indexAfterChars(script, offset, pos - 1) : undefined;
  const line =
    index !== undefined
      ? lineAt(script, index)
      : current
        ? lineAt(script, current.start)
        : undefined;
  let statement = current?.text;
  if (statement === undefined && line !== undefined && statements === undefined) {
    statement = script.split('\n')[line - 1]?.trim();
  }
  if (statement === undefined && statements?.length === 1) statement = statements[0]?.text.trim();
  const data: JsonObject = {};
  for (const k of ['where', 'schema', 'table', 'column', 'constraint', 'internalQuery'] as const) {
    const v = e[k];
    if (typeof v === 'string') data[k] = v;
  }
  if (index !== undefined) data.position = charsBefore(script, index) + 1;
  let hint = e.hint;
  if (e.code === '25001' && hint === undefined) {
    hint = 'this statement cannot run inside a transaction block: set single_transaction: false';
  }
  return new StepError(
    sqlState(e.code),
    e.message,
    {
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
      ...(hint !== undefined ? { hint } : {}),
      ...(statement !== undefined
        ? {
            statement:
              statement.length > MAX_STATEMENT
                ? statement.slice(0, MAX_STATEMENT) + ' …'
                : statement,
          }
        : {}),
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(Object.keys(data).length > 0 ? { data } : {}),
    },
    { cause: err },
  );
}

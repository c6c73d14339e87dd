import type pg from 'pg';
import * as z from 'zod';
import { StepError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { readOnlyQueryProblem } from '../postgres/read-only-query.js';
import { nulLine } from './migration-file-checks.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const params = z
  .strictObject({
    query: z
      .string()
      .min(1)
      .describe(
        'One query (SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN), run in a READ ONLY transaction; calls to server functions whose effect outlives a ROLLBACK (pg_terminate_backend, replication slots, dblink…) are refused',
      ),
    database: connectableDatabaseName
      .optional()
      .describe('Database to query (default: the maintenance database of the URL)'),
    rows: z
      .array(z.record(z.string(), z.json()))
      .optional()
      .describe('The exact rows, in order (use ORDER BY)'),
    scalar: z
      .json()
      .optional()
      .describe(
        'The single value of a one-row, one-column result (a number equals a numeric column of exactly that value; write integers beyond 2^53 as strings)',
      ),
    row_count: z.number().int().min(0).optional().describe('How many rows the query returns'),
  })
  .refine((p) => p.rows !== undefined || p.scalar !== undefined || p.row_count !== undefined, {
    message: 'give at least one expectation: `rows`, `scalar` or `row_count`',
  })
  .describe('sql.expect arguments');

const MAX_ROWS_SHOWN = 50;

/**
 * A number's text (a YAML number as JavaScript writes it, or a numeric column as PostgreSQL does)
 * as an exact decimal: sign, significant digits and the power of ten of the last one, so that
 * `1.50`, `1.5` and `15e-1` are one value and `9007199254740993` is not `9007199254740992`.
 * Undefined for text that is not a plain decimal number (`NaN`, `Infinity`, anything else).
 */
function exactDecimal(text: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const all = `${m[2]}${fraction}`.replace(/^0+/, '');
  if (all === '') return '0';
  const digits = all.replace(/0+$/, '');
  const exponent = Number(m[4] ?? 0) - fraction.length + (all.length - digits.length);
  return `${m[1]}${digits}e${exponent}`;
}

/**
 * Whether a number and a numeric text are the same value, exactly (see {@link exactDecimal}). An
 * integer beyond 2^53 never is: the YAML number it was read from may have been another one.
 */
function sameNumber(n: number, text: string): boolean {
  if (inexactInteger(n)) return false;
  const key = exactDecimal(text);
  return key !== undefined && key === exactDecimal(String(n));
}

/** An integer a double cannot hold exactly (beyond 2^53). */
const inexactInteger = (n: number): boolean => Number.isInteger(n) && !Number.isSafeInteger(n);

/**
 * Whether `values` holds an {@link inexactInteger}: the YAML number it was read from may have
 * been another one, which a failure's message says.
 */
function holdsInexactInteger(values: unknown): boolean {
  if (typeof values === 'number') return inexactInteger(values);
  return (
    typeof values === 'object' &&
    values !== null &&
    Object.values(values).some((v) => holdsInexactInteger(v))
  );
}

/** Converts what pg returned into JSON (bigint → string, Buffer → `\x` hex). */
function toJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v as JsonValue;
}

/**
 * Deep equality of JSON values where a number equals a numeric string of exactly the same value:
 * pg returns bigint and numeric columns as strings (`count(*)` is `"3"`), YAML gives numbers.
 */
function sameJson(expected: JsonValue, actual: JsonValue): boolean {
  if (typeof expected === 'number' && typeof actual === 'string') {
    return sameNumber(expected, actual);
  }
  if (typeof actual === 'number' && typeof expected === 'string') {
    return sameNumber(actual, expected);
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    return (
      Array.isArray(expected) &&
      Array.isArray(actual) &&
      expected.length === actual.length &&
      expected.every((e, i) => sameJson(e, actual[i] as JsonValue))
    );
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return false;
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual).sort();
    return (
      ek.length === ak.length &&
      ek.every((k, i) => k === ak[i] && sameJson(expected[k] as JsonValue, actual[k] as JsonValue))
    );
  }
  return expected === actual;
}

const NOT_READ_ONLY_HINT =
  'sql.expect counts as not writing, so it runs on a replica and on prod without confirmation: ' +
  'run this with sql.exec, which counts as writing';

/**
 * `sql.expect`: runs a read-only query (inside BEGIN READ ONLY … ROLLBACK) and compares the result
 * with the expected `rows` (exact, in order), `scalar` (one row, one column) and/or `row_count`.
 * A mismatch fails the step with EXPECTATION_FAILED and data `{ expected, actual }`. Reads only,
 * so it is safe to re-run: a query calling a server function whose effect a ROLLBACK does not
 * undo (`pg_terminate_backend`, a replication slot, `dblink`…), or a statement that is not a
 * query (`DO`, `COPY`), is refused before the run (exit 2), or with QUERY_NOT_READ_ONLY when it
 * is only known as the step runs, and never sent. Output `{ row_count }`.
 */
export const sqlExpect = defineAction({
  name: 'sql.expect',
  summary: 'Run a read-only query and check the rows, scalar or row count it returns',
  params,
  writes: false,
  async run(ctx, p) {
    // Checked again here: a query naming another step's output is only known now. Nothing is sent.
    const lasting = await readOnlyQueryProblem(p.query);
    if (lasting) {
      throw new StepError('QUERY_NOT_READ_ONLY', `sql.expect: ${lasting.message}`, {
        statement: p.query,
        hint: NOT_READ_ONLY_HINT,
        data: { what: lasting.what },
      });
    }
    // Loaded on use: node-postgres' type parsers, which `list` never needs.
    const { datesAsText } = await import('../postgres/text-dates.js');
    const result = await ctx.db.withClient(p.database, async (client) => {
      // Even a read-only query can set_config(…, false) for its session.
      ctx.db.markUserSql(client);
      // The parser that checked the query reads string literals so (a database set to
      // standard_conforming_strings = off would read `'a\', $$' …` otherwise); also the default.
      await client.query('BEGIN READ ONLY; SET LOCAL standard_conforming_strings = on');
      try {
        // The extended protocol takes exactly one statement: a `…; COMMIT; DELETE …` cannot
        // leave the READ ONLY transaction, which is what makes this action count as not writing.
        const config = {
          text: p.query,
          types: datesAsText,
          queryMode: 'extended',
          rowMode: 'array',
        };
        return await client.query(config as pg.QueryConfig);
      } finally {
        await client.query('ROLLBACK');
      }
    });
    const names = result.fields.map((f) => f.name);
    const rows = (result.rows as unknown[][]).map((r) =>
      Object.fromEntries(names.map((n, i) => [n, toJson(r[i])])),
    );
    const shown = rows.slice(0, MAX_ROWS_SHOWN);
    const failures: string[] = [];
    // Rows are compared by column name: two columns of one name would hide one of them.
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    const expected: { [k: string]: JsonValue } = {};
    const actual: { [k: string]: JsonValue } = {};
    if (p.row_count !== undefined && rows.length !== p.row_count) {
      failures.push(`expected ${p.row_count} row(s), got ${rows.length}`);
      expected.row_count = p.row_count;
      actual.row_count = rows.length;
    }
    if (p.rows !== undefined && repeated !== undefined) {
      failures.push(
        `the query returns several columns named "${repeated}": rows are compared by column name, so give each its own (AS)`,
      );
      expected.rows = p.rows;
      actual.columns = names;
    } else if (p.rows !== undefined && !sameJson(p.rows, rows)) {
      const expectedRows = p.rows;
      const i = expectedRows.findIndex((e, k) => !sameJson(e, rows[k] ?? null));
      failures.push(
        i >= 0
          ? `row ${i + 1}: expected ${JSON.stringify(expectedRows[i])}, got ${JSON.stringify(rows[i] ?? null)}`
          : `expected ${expectedRows.length} row(s), got ${rows.length} (extra: ${JSON.stringify(rows[expectedRows.length])})`,
      );
      expected.rows = p.rows;
      actual.rows = shown;
    }
    if (p.scalar !== undefined) {
      const first = rows[0];
      const columns = result.fields.length;
      if (rows.length !== 1 || columns !== 1 || first === undefined) {
        failures.push(`expected a single value, got ${rows.length} row(s) of ${columns} column(s)`);
        expected.scalar = p.scalar;
        actual.rows = shown;
      } else {
        const value = toJson((result.rows as unknown[][])[0]?.[0]);
        if (!sameJson(p.scalar, value)) {
          failures.push(`expected ${JSON.stringify(p.scalar)}, got ${JSON.stringify(value)}`);
          expected.scalar = p.scalar;
          actual.scalar = value;
        }
      }
    }
    if (failures.length > 0) {
      const inexact = holdsInexactInteger([expected.scalar, expected.rows]);
      throw new StepError('EXPECTATION_FAILED', failures.join('; '), {
        statement: p.query,
        ...(inexact
          ? {
              hint: 'an integer beyond 2^53 is not held exactly as a YAML number: write the expected value as a string',
            }
          : {}),
        data: { expected, actual, actual_row_count: rows.length },
      });
    }
    return {
      output: { row_count: rows.length },
      summary: `query returned the expected ${p.scalar !== undefined ? 'value' : `${rows.length} row(s)`}`,
    };
  },
  async preflight(p) {
    // PostgreSQL accepts no NUL in a query: refused before the run rather than at this step.
    const line = nulLine(p.query);
    if (line !== undefined) {
      return [{ message: `sql.expect: the query holds a NUL byte (line ${line} of the query)` }];
    }
    const lasting = await readOnlyQueryProblem(p.query);
    return lasting
      ? [{ path: 'query', message: `sql.expect: ${lasting.message}`, hint: NOT_READ_ONLY_HINT }]
      : [];
  },
});

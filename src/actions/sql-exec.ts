import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import * as z from 'zod';
import { StepError, type InputProblem } from '../errors.js';
import { sqlText } from '../migrations/files.js';
import { nulLine } from './migration-file-checks.js';
import { copyFromStdin } from './copy-from-stdin.js';
import {
  isCopyFromStdin,
  metaCommandMessage,
  scanPsqlScript,
  sqlWithoutCopyData,
  type PsqlScan,
} from './psql-script.js';
import { splitScript, type ScriptStatement } from '../postgres/sql-script.js';
import { sqlExecError } from './sql-exec-error.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const params = z
  .strictObject({
    sql: z.string().min(1).optional().describe('Inline SQL script (one or more statements)'),
    file: z.string().min(1).optional().describe('SQL file, relative to the working directory'),
    database: connectableDatabaseName
      .optional()
      .describe('Database to run in (default: the maintenance database of the URL)'),
    single_transaction: z
      .boolean()
      .default(true)
      .describe(
        'Wrap the script in BEGIN/COMMIT (unless it has its own transaction control); ' +
          'false runs each statement on its own (e.g. CREATE INDEX CONCURRENTLY)',
      ),
  })
  .refine((p) => (p.sql === undefined) !== (p.file === undefined), {
    message: 'give exactly one of `sql` or `file`',
  })
  .describe('sql.exec arguments');

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/**
 * What sql.exec sends of a statement: its text without surrounding whitespace, and where that
 * starts in the script (UTF-16 code units).
 */
function sentStatement(s: ScriptStatement): { text: string; start: number } {
  return { text: s.text.trim(), start: s.offset + s.text.length - s.text.trimStart().length };
}

/**
 * Whether a script the parser rejected has transaction control of its own (decides only on
 * wrapping it; the server reports the syntax error itself).
 */
const OWN_TRANSACTION_CONTROL =
  /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|ABORT)\b/im;

/** Every meta-command of a script as a problem positioned at its line of `file`. */
function metaCommandProblems(scan: PsqlScan, file?: string): InputProblem[] {
  return scan.metaCommands.map((m) => ({
    message: `sql.exec: ${metaCommandMessage(m)}`,
    ...(file !== undefined ? { position: { file, line: m.line, column: 1 } } : {}),
    hint: 'sql.exec runs SQL, not psql scripts: remove the line, or run the file with psql in a shell.exec step',
  }));
}

function affected(results: pg.QueryResult | pg.QueryResult[]): number | undefined {
  const list = Array.isArray(results) ? results : [results];
  let sum: number | undefined;
  for (const r of list) {
    if (DML.has(r.command) && typeof r.rowCount === 'number') sum = (sum ?? 0) + r.rowCount;
  }
  return sum;
}

/**
 * A NUL byte in the script (PostgreSQL accepts none in a query), at its file and line; a file
 * missing now is left to the step (an earlier step may write it).
 */
async function nulProblems(
  p: { sql?: string | undefined; file?: string | undefined },
  cwd: string,
): Promise<InputProblem[]> {
  if (p.sql !== undefined) {
    const line = nulLine(p.sql);
    return line === undefined
      ? []
      : [
          {
            message: `sql.exec: the inline SQL holds a NUL byte (line ${line} of the script), which PostgreSQL never accepts`,
          },
        ];
  }
  if (p.file === undefined) return [];
  const file = path.resolve(cwd, p.file);
  let text: string;
  try {
    text = (await readFile(file)).toString('utf8');
  } catch {
    return [];
  }
  const line = nulLine(text);
  return line === undefined
    ? []
    : [
        {
          message: 'sql.exec: the SQL file holds a NUL byte, which PostgreSQL never accepts',
          position: { file: p.file, line, column: 1 },
          hint: 'the file is binary or mis-encoded: save it as UTF-8 text',
        },
      ];
}

/**
 * The script a `sql.exec` step runs, read now (a file an earlier step wrote included) and refused
 * when it holds a NUL byte or a psql meta-command, naming its file and line; with its psql scan.
 */
async function readScript(
  p: { sql?: string | undefined; file?: string | undefined },
  cwd: string,
): Promise<PsqlScan> {
  const file = p.file !== undefined ? path.resolve(cwd, p.file) : undefined;
  let script: string;
  if (file !== undefined) {
    try {
      script = sqlText(await readFile(file));
    } catch (err) {
      throw new StepError(
        'FILE_NOT_READABLE',
        `cannot read SQL file ${p.file}: ${(err as Error).message}`,
        {
          file: p.file,
        },
      );
    }
  } else {
    script = p.sql ?? '';
  }
  const where = p.file;
  // Preflight cannot see a file an earlier step wrote: the server would cut the statement at a
  // NUL (`DELETE FROM t\0 WHERE …` deletes every row), so nothing of such a script is sent.
  const nul = nulLine(script);
  if (nul !== undefined) {
    throw new StepError(
      'SQL_NUL_BYTE',
      `${where ?? 'inline SQL'}:${nul}: the SQL holds a NUL byte, which PostgreSQL never ` +
        'accepts (it would cut the statement short there): nothing of it was sent',
      {
        ...(where !== undefined ? { file: where } : {}),
        line: nul,
        hint: 'the file is binary or mis-encoded: save it as UTF-8 text',
      },
    );
  }
  const scan = scanPsqlScript(script);
  const meta = scan.metaCommands[0];
  if (meta) {
    throw new StepError(
      'PSQL_META_COMMAND',
      `${where ?? 'inline SQL'}:${meta.line}: ${metaCommandMessage(meta)}`,
      { ...(where !== undefined ? { file: where } : {}), line: meta.line, statement: meta.text },
    );
  }
  return scan;
}

/**
 * `sql.exec`: runs a SQL script (inline or from a file) over the simple query protocol, split
 * into statements by PostgreSQL's own parser (so dollar-quoted bodies work) and sent in order on
 * one connection; a script the parser rejects is sent whole. With `single_transaction` (the
 * default) and no transaction control of its own, it runs inside BEGIN/COMMIT: a failure (or a
 * crash) leaves nothing behind, so re-running it is safe; with `false` each statement commits on
 * its own (CREATE INDEX CONCURRENTLY, VACUUM). A database error fails the step with its
 * SQLSTATE, the file and line it came from and the statement. Output `{ rows_affected?, statements? }`.
 */
export const sqlExec = defineAction({
  name: 'sql.exec',
  summary: 'Run a SQL script (inline or file) as one script',
  params,
  writes: true,
  async preflight(p, ctx) {
    const nul = await nulProblems(p, ctx.cwd);
    if (nul.length > 0) return nul;
    if (p.file === undefined) return metaCommandProblems(scanPsqlScript(p.sql ?? ''));
    const file = path.resolve(ctx.cwd, p.file);
    let text: string;
    try {
      // Read as the step reads it (BOM dropped), so what preflight passes is what runs.
      text = sqlText(await readFile(file));
    } catch {
      return []; // maybe written by an earlier step: the step itself says if it is missing
    }
    return metaCommandProblems(scanPsqlScript(text), p.file);
  },
  async run(ctx, p) {
    const scan = await readScript(p, ctx.cwd);
    const where = p.file;
    const script = sqlWithoutCopyData(scan);
    const parsed = await splitScript(script);
    const statements = parsed.statements ?? undefined;
    const ownTransactionControl = statements
      ? parsed.ownTransaction
      : OWN_TRANSACTION_CONTROL.test(script);
    const wrap = p.single_transaction && !ownTransactionControl;
    let rows: number | undefined;
    await ctx.db.withClient(p.database, async (client) => {
      // The script may SET anything for its session (a pg_dump sets an empty search_path).
      ctx.db.markUserSql(client);
      if (statements === undefined) {
        // The parser rejected it: send it whole and let the server report where.
        try {
          if (wrap) await client.query('BEGIN');
          rows = affected(await client.query(script));
          if (wrap) await client.query('COMMIT');
        } catch (err) {
          // withClient destroys the client on error, discarding any open transaction.
          throw sqlExecError(err, script, statements, 0, undefined, where);
        }
        return;
      }
      // Statement by statement on one connection (inside BEGIN/COMMIT when wrapped): the same
      // effect as sending the script whole, but a failure without a position (ALTER TABLE on a
      // missing relation) still names its statement and line.
      if (wrap) await client.query('BEGIN');
      const copies = [...scan.copies];
      for (const s of statements.map(sentStatement)) {
        try {
          const copy = isCopyFromStdin(s.text) ? copies.shift() : undefined;
          const r = affected(
            copy ? await copyFromStdin(client, s.text, copy.data) : await client.query(s.text),
          );
          if (r !== undefined) rows = (rows ?? 0) + r;
        } catch (err) {
          throw sqlExecError(err, script, statements, s.start, s, where);
        }
      }
      if (wrap) await client.query('COMMIT');
    });
    const output: { rows_affected?: number; statements?: number } = {};
    if (rows !== undefined) output.rows_affected = rows;
    if (statements !== undefined) output.statements = statements.length;
    const what = p.file ?? 'inline SQL';
    return {
      output,
      summary:
        `${what}: ${statements?.length ?? '?'} statement(s)` +
        (rows !== undefined ? `, ${rows} row(s) affected` : '') +
        (wrap ? ' in one transaction' : ''),
    };
  },
});

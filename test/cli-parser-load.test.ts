import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, parseJson, REPO, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// PostgreSQL's parser (libpg-query, WebAssembly) costs a run 100–300 ms to load. A migration file
// is parsed only when the lexical scanner cannot answer for it: PL/pgSQL bodies, DO blocks,
// comments and literals holding BEGIN/END/COMMIT, and a one-statement file run outside a
// transaction, must not load it, while a file with its own BEGIN/COMMIT still must (and runs
// without the engine's wrapping transaction). The CLI runs with a preload that records every
// `require` of libpg-query; the second case shows the record would see one.

let db: TestDatabase;
let ws: CliWorkspace;

const header = (rev: string, down: string, extra = ''): string =>
  `-- revision: ${rev}\n-- down_revision: ${down}\n${extra}`;

const BODY_WORDS =
  header('w1', '') +
  `-- begin: the table and its trigger, to commit together\n` +
  `CREATE TABLE w (id int, note text DEFAULT 'rollback; end');\n` +
  `CREATE FUNCTION w_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN NEW;\nEND;\n$fn$;\n` +
  `DO $$ BEGIN PERFORM 1; END $$;\n`;
const CONCURRENTLY =
  header('w2', 'w1', '-- transaction: false\n') +
  `-- built without locking writes out\nCREATE INDEX CONCURRENTLY w_note ON w (note);\n`;
const OWN_TRANSACTION =
  header('w3', 'w2') +
  `CREATE FUNCTION w_label() RETURNS text LANGUAGE sql AS $q$ SELECT 'it''s $$ done' $q$;\n` +
  `BEGIN;\nCREATE TABLE own_after_body (id int);\nCOMMIT;\n`;

async function query(database: string, sql: string): Promise<Record<string, string | null>[]> {
  const client = new pg.Client(withDatabase(db.adminUrl, database));
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, string | null>[];
  } finally {
    await client.end();
  }
}

/** Writes a history of `files` under the workspace; returns its folder. */
async function history(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(ws.dir, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

/** `run upgrade` of `migrations` into a new database, recording libpg-query loads in `trace`. */
async function upgrade(migrations: string, trace: string) {
  const database = `${db.name}_${path.basename(migrations)}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(database)}`);
  const hook = path.join(ws.dir, 'trace-parser-loads.cjs');
  const r = await ws.cli(
    ['run', 'upgrade', '--json', '--procedures', path.join(REPO, 'procedures')]
      .concat(['--database-url', db.adminUrl, '--param', `database=${database}`])
      .concat(['--param', `migrations=${migrations}`]),
    { env: { NODE_OPTIONS: `--require=${hook}`, RUNBOOK_TRACE_FILE: trace } },
  );
  expect(r.code, r.stderr).toBe(0);
  return { database, result: parseJson<{ runId: string; status: string }>(r.stdout) };
}

const loads = (trace: string): string[] =>
  existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];

beforeAll(async () => {
  db = await createTestDatabase('cli_parser_load');
  ws = await createCliWorkspace('runbook-parser-load-');
  await writeFile(
    path.join(ws.dir, 'trace-parser-loads.cjs'),
    [
      "const Module = require('node:module');",
      "const { appendFileSync } = require('node:fs');",
      'const load = Module._load;',
      'Module._load = function (request, ...rest) {',
      "  if (String(request).includes('libpg-query'))",
      "    appendFileSync(process.env.RUNBOOK_TRACE_FILE, request + '\\n');",
      '  return load.call(this, request, ...rest);',
      '};',
    ].join('\n'),
  );
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

describe('a run loads the SQL parser only for a migration that needs it', () => {
  it('applies PL/pgSQL bodies, a DO block and CREATE INDEX CONCURRENTLY without loading it', async () => {
    const trace = path.join(ws.dir, 'plain.trace');
    const dir = await history('plain', {
      '001_body.sql': BODY_WORDS,
      '002_concurrently.sql': CONCURRENTLY,
    });
    const { database, result } = await upgrade(dir, trace);
    expect(result.status).toBe('succeeded');
    expect(loads(trace)).toEqual([]);
    const [row] = await query(
      database,
      `SELECT (SELECT xmin::text FROM pg_class WHERE oid = 'w'::regclass) AS tbl,
              (SELECT xmin::text FROM pg_proc WHERE oid = 'w_touch'::regproc) AS fn,
              to_regclass('w_note')::text AS idx,
              (SELECT version_num FROM alembic_version) AS version`,
    );
    // 001 committed as one transaction; 002 built its index outside one.
    expect(row?.fn).toBe(row?.tbl);
    expect(row).toMatchObject({ idx: 'w_note', version: 'w2' });
    const events = ws.events(result.runId).map((e) => e.type);
    expect(events).not.toContain('migration.own_transaction');
  });

  it('loads it for a file with its own BEGIN/COMMIT after a function body, and runs that file unwrapped', async () => {
    const trace = path.join(ws.dir, 'own.trace');
    const dir = await history('own', {
      '001_body.sql': BODY_WORDS,
      '002_concurrently.sql': CONCURRENTLY,
      '003_own.sql': OWN_TRANSACTION,
    });
    const { database, result } = await upgrade(dir, trace);
    expect(result.status).toBe('succeeded');
    expect(loads(trace).length).toBeGreaterThan(0);
    const own = ws
      .events(result.runId)
      .filter((e) => e.type === 'migration.own_transaction')
      .map((e) => (e.data as { revision?: string }).revision);
    expect(own).toEqual(['w3']);
    const [row] = await query(
      database,
      `SELECT (SELECT xmin::text FROM pg_proc WHERE oid = 'w_label'::regproc) AS fn,
              (SELECT xmin::text FROM pg_class WHERE oid = 'own_after_body'::regclass) AS tbl,
              (SELECT version_num FROM alembic_version) AS version`,
    );
    // The function ran before the file's own BEGIN, the table inside its own transaction.
    expect(row?.tbl).not.toBe(row?.fn);
    expect(row?.version).toBe('w3');
  });
});

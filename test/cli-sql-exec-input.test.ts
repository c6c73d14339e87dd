import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// sql.exec reads a SQL file the same way in preflight and in the run (a UTF-8 BOM dropped), and
// never sends a script holding a NUL byte: the server would cut the statement at it.
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_sql_exec_input');
  ws = await createCliWorkspace('runbook-sql-exec-input-');
  await db.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function count(): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
  return rows[0]!.n;
}

describe('sql.exec input', () => {
  it('a \\connect after a UTF-8 BOM is refused before the run (exit 2), nothing executed', async () => {
    await writeFile(path.join(ws.dir, 'bom.sql'), '\uFEFF\\connect other\nDELETE FROM t;\n');
    await ws.writeProcedure(
      'bom',
      `procedure: bom
requires: { authority: local, role: staging }
steps:
  - id: first
    do: sql.exec
    with: { database: ${db.name}, sql: "DELETE FROM t WHERE id = 2" }
  - id: load
    do: sql.exec
    with: { database: ${db.name}, file: bom.sql }
`,
    );
    const r = await ws.cli(['run', 'bom', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bom\.sql:1:1: .*\\connect/);
    expect(ws.runIds()).toEqual([]);
    expect(await count()).toBe(2);
  });

  it('a file with a NUL written by an earlier step fails its step, nothing of it sent', async () => {
    await ws.writeProcedure(
      'nul',
      `procedure: nul
requires: { authority: local, role: staging }
steps:
  - id: write
    do: shell.exec
    with: { command: "printf 'DELETE FROM t\\\\000 WHERE id = 1;\\\\n' > gen.sql" }
  - id: load
    do: sql.exec
    with: { database: ${db.name}, file: gen.sql }
`,
    );
    const r = await ws.cli(['run', 'nul', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/load {2}SQL_NUL_BYTE gen\.sql:1: .*NUL byte/);
    // Sent, the statement would have been cut to `DELETE FROM t`: every row gone.
    expect(await count()).toBe(2);
  });
});

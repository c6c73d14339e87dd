import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import {
  adminQuery,
  createTestDatabase,
  uniqueName,
  type TestDatabase,
} from './support/database.js';

// Whether a procedure writes is derived from its steps: a declared `requires.writes: false` is
// never believed over a step that writes, so it can neither let a replica run it nor spare prod
// its confirmation.
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_derived_writes');
  ws = await createCliWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

async function databaseExists(name: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

function dropping(name: string, role: string, victim: string): string {
  return `procedure: ${name}
requires: { authority: local, role: ${role}, writes: false }
steps:
  - id: look
    do: schema.snapshot
  - id: drop
    do: database.drop
    with: { name: ${victim} }
`;
}

describe('requires.writes is derived from the steps', () => {
  it('writes: false with a database.drop step is invalid input on replica and on prod (exit 2)', async () => {
    const victim = uniqueName('derived_writes_victim');
    await adminQuery(`CREATE DATABASE ${quoteIdent(victim)}`);
    try {
      for (const role of ['replica', 'prod']) {
        const file = await ws.writeProcedure(
          `liar-${role}`,
          dropping(`liar-${role}`, role, victim),
        );
        const r = await ws.cli(['run', `liar-${role}`, '--database-url', db.adminUrl, '--json'], {
          env: { DB_ROLE: role },
        });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain(`${file.slice(ws.dir.length + 1)}:2:`);
        expect(r.stderr).toContain(
          'requires.writes: declared false, but step `drop` (database.drop, line 7) writes',
        );
        expect(ws.runIds()).toEqual([]);
        expect(await databaseExists(victim)).toBe(true);
      }
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(victim)}`);
    }
  });

  it('sql.exec and shell.exec count as writing; writes: true makes a read-only procedure write', async () => {
    for (const step of [
      'do: sql.exec\n    with: { sql: "SELECT 1" }',
      'do: shell.exec\n    with: { command: "true" }',
    ]) {
      await ws.writeProcedure(
        'execs',
        `procedure: execs\nrequires: { authority: local, role: replica, writes: false }\nsteps:\n  - id: s\n    ${step}\n`,
      );
      const r = await ws.cli(['run', 'execs', '--database-url', db.adminUrl], {
        env: { DB_ROLE: 'replica' },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('requires.writes: declared false');
    }
    await ws.writeProcedure(
      'declared',
      'procedure: declared\nrequires: { authority: local, role: replica, writes: true }\nsteps:\n  - id: look\n    do: schema.snapshot\n',
    );
    const r = await ws.cli(['run', 'declared', '--database-url', db.adminUrl], {
      env: { DB_ROLE: 'replica' },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('REPLICA_WRITE');
    expect(ws.runIds()).toEqual([]);
  });

  it('a read-only procedure runs on a replica, and its sql.expect cannot escape READ ONLY', async () => {
    await ws.writeProcedure(
      'reader',
      `procedure: reader
requires: { authority: local, role: replica, writes: false }
steps:
  - id: sneak
    do: sql.expect
    with:
      database: ${db.name}
      query: "SELECT 1 AS v; COMMIT; CREATE TABLE sneaked (v int)"
      row_count: 1
`,
    );
    const r = await ws.cli(['run', 'reader', '--database-url', db.adminUrl], {
      env: { DB_ROLE: 'replica' },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot insert multiple commands');
    const { rows } = await db.query("SELECT to_regclass('public.sneaked') AS t");
    expect(rows[0]!.t).toBeNull();
  });
});

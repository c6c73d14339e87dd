import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// A procedure file is kept as written with every run (artifacts/procedure.yaml): one holding a
// password would put it under runs/. Such a file is refused before anything runs; a password
// that comes from an expression (the environment, a secret param) is never in the file.

const PASSWORD = 'Lit3ral-Hunter2';
let ws: CliWorkspace;
let db: TestDatabase;
let role: string;

/** Every file under `dir` holding `text`. */
function filesHolding(dir: string, text: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => readFileSync(f, 'utf8').includes(text));
}

const procedure = (name: string, sql: string, comment = '') =>
  `procedure: ${name}\ndescription: sets a role's password\nrequires: { authority: local }\n` +
  `steps:\n  - id: role\n    do: sql.exec\n    with:\n${comment}      sql: "${sql}"\n`;

beforeAll(async () => {
  ws = await createCliWorkspace('runbook-password-literals-');
  db = await createTestDatabase('password_literals');
  role = `${db.name}_role`;
  await adminQuery(`CREATE ROLE "${role}" LOGIN`);
});
afterAll(async () => {
  await ws?.dispose();
  await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
  await db?.drop();
});

describe('a password in a procedure file', () => {
  it('is refused (exit 2) naming file, line and key; nothing runs, no run is kept', async () => {
    const file = await ws.writeProcedure('inline', procedure('inline', `ALTER ROLE \\"${role}\\" PASSWORD '${PASSWORD}'`)); // prettier-ignore
    const r = await ws.cli(['run', 'inline', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `${path.relative(ws.dir, file)}:8:1: steps[0].with.sql: holds a password`,
    );
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(existsSync(ws.runsDir) ? readdirSync(ws.runsDir) : []).toEqual([]);
    const { rows } = await adminQuery<{ pw: string | null }>(
      `SELECT rolpassword AS pw FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    expect(rows[0]?.pw).toBeNull();
  });

  it('in a comment (a URL with its password) is refused too', async () => {
    await ws.writeProcedure('commented', procedure('commented', 'SELECT 1', `      # psql postgresql://ops:${PASSWORD}@db.internal/app\n`)); // prettier-ignore
    const r = await ws.cli(['run', 'commented', '--database-url', db.adminUrl]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/commented\.yaml:8:1: steps\[0\]\.with: holds a password/);
    expect(r.stderr).not.toContain(PASSWORD);
  });

  it('from the environment runs, and is nowhere under runs/', async () => {
    await ws.writeProcedure('from-env', procedure('from-env', `ALTER ROLE \\"${role}\\" PASSWORD '\${{ env.ROLE_PASSWORD }}'`)); // prettier-ignore
    const r = await ws.cli(['run', 'from-env', '--database-url', db.adminUrl], {
      env: { ROLE_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await adminQuery<{ pw: string | null }>(
      `SELECT rolpassword AS pw FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    expect(rows[0]?.pw).toMatch(/^SCRAM-SHA-256/);
    expect(filesHolding(ws.runsDir, PASSWORD)).toEqual([]);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });
});

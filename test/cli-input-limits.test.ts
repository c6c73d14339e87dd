import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// Input at the edges of what runbook accepts: names that are JavaScript built-ins, run
// directories that cannot take a run, database names a URL cannot carry. Each is either an
// ordinary value (it works) or refused before anything executes (exit 2, naming what is wrong).
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_limits');
  ws = await createCliWorkspace('runbook-limits-');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

const head = (name: string): string =>
  `procedure: ${name}\nrequires: { authority: local, role: staging }\n`;

async function databaseExists(name: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

describe('params named like Object.prototype members are ordinary params', () => {
  const names = ['toString', 'constructor', 'hasOwnProperty', 'valueOf'];
  beforeAll(async () => {
    await db.query('CREATE TABLE seen (name text, value text)');
    await ws.writeProcedure(
      'builtins',
      `${head('builtins')}params:\n${names.map((n) => `  ${n}: { type: string, default: d_${n} }\n`).join('')}steps:
  - id: record
    do: sql.exec
    with:
      database: ${db.name}
      sql: "INSERT INTO seen VALUES ${names.map((n) => `('${n}', '\${{ params.${n} }}')`).join(', ')}"
`,
    );
  });

  it('their defaults and --param values reach the step', async () => {
    const first = await ws.cli(['run', 'builtins', '--database-url', db.adminUrl]);
    expect(first.code, first.stderr).toBe(0);
    const second = await ws.cli(['run', 'builtins', '--database-url', db.adminUrl, '--param', 'toString=given', '--param', 'constructor=also']); // prettier-ignore
    expect(second.code, second.stderr).toBe(0);
    const { rows } = await db.query<{ name: string; value: string }>(
      'SELECT name, value FROM seen ORDER BY ctid',
    );
    expect(rows.map((r) => `${r.name}=${r.value}`)).toEqual([
      ...names.map((n) => `${n}=d_${n}`),
      'toString=given',
      'constructor=also',
      'hasOwnProperty=d_hasOwnProperty',
      'valueOf=d_valueOf',
    ]);
  });

  it('an undeclared --param toString is an unknown param', async () => {
    await ws.writeProcedure('no-params', `${head('no-params')}steps:\n  - id: one\n    do: sql.exec\n    with: { sql: "SELECT 1" }\n`); // prettier-ignore
    const before = ws.runIds();
    const r = await ws.cli(['run', 'no-params', '--database-url', db.adminUrl, '--param', 'toString=1']); // prettier-ignore
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown param `toString`');
    expect(ws.runIds()).toEqual(before);
  });
});

describe('--runs-dir', () => {
  const probe = (): string =>
    `${head('probe')}steps:\n  - id: make\n    do: database.create\n    with: { name: ${db.name}_rd }\n`;
  beforeAll(async () => {
    await ws.writeProcedure('probe', probe());
  });

  it('empty is refused for every verb, and nothing is written in the working directory', async () => {
    const before = readdirSync(ws.dir).sort();
    for (const args of [['run', 'probe'], ['runs'], ['inspect', 'last'], ['replay', 'last']]) {
      const r = await ws.cli([...args, '--runs-dir', '', '--database-url', db.adminUrl]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('--runs-dir');
    }
    expect(readdirSync(ws.dir).sort()).toEqual(before);
    expect(await databaseExists(`${db.name}_rd`)).toBe(false);
  });

  it('a file, or a directory nothing can be created in, is refused quickly before the run', async () => {
    const file = path.join(ws.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    for (const [dir, says] of [
      [file, /not-a-dir: is not a directory/],
      [path.join(file, 'below'), /not a directory/],
      ['/proc/self', /\/proc\/self: is not writable/],
      ['/proc/self/runs', /cannot be created in \/proc\/self/],
    ] as const) {
      const started = Date.now();
      const r = await ws.cli(['run', 'probe', '--runs-dir', dir, '--database-url', db.adminUrl]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    for (const args of [['runs'], ['inspect', 'last'], ['resume', 'last']]) {
      const r = await ws.cli([...args, '--runs-dir', file, '--database-url', db.adminUrl]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/--runs-dir: .*not-a-dir: is not a directory/);
    }
    expect(await databaseExists(`${db.name}_rd`)).toBe(false);
  });
});

describe('database names', () => {
  it("a name with '?' or '#' is refused before it is created, naming the value", async () => {
    await ws.writeProcedure(
      'odd-name',
      `${head('odd-name')}params:\n  database: { type: string, default: "${db.name}_a?b" }
steps:
  - id: make
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: migrate
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE t (v int)" }
`,
    );
    for (const name of [`${db.name}_a?b`, `${db.name}_a#b`]) {
      const before = ws.runIds();
      const r = await ws.cli(['run', 'odd-name', '--param', `database=${name}`, '--database-url', db.adminUrl]); // prettier-ignore
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/procedures\/odd-name\.yaml:\d+:\d+: steps\[0\]\.with\.name/);
      expect(r.stderr).toContain(`database name ${JSON.stringify(name)} contains '?' or '#'`);
      expect(ws.runIds()).toEqual(before);
      expect(await databaseExists(name)).toBe(false);
    }
  });

  it('a name over 63 bytes is refused rather than truncated', async () => {
    const long = `${db.name}_${'é'.repeat(30)}`;
    const r = await ws.cli(['run', 'odd-name', '--param', `database=${long}`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('longer than 63 bytes');
    const { rows } = await adminQuery(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [`${db.name}_é`],
    );
    expect(rows).toEqual([]);
  });
});

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
    // Only run and resume connect: the offline verbs take no --database-url.
    const online = ['--database-url', db.adminUrl];
    for (const args of [
      ['run', 'probe', ...online],
      ['runs'],
      ['inspect', 'last'],
      ['replay', 'last'],
    ]) {
      const r = await ws.cli([...args, '--runs-dir', '']);
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
    for (const args of [
      ['runs'],
      ['inspect', 'last'],
      ['resume', 'last', '--database-url', db.adminUrl],
    ]) {
      const r = await ws.cli([...args, '--runs-dir', file]);
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

describe('SQL and migration files', () => {
  const BOM = '\uFEFF';
  const rev = (id: string, down: string, body = `CREATE TABLE ${id} (v int);\n`): string =>
    `-- revision: ${id}\n-- down_revision: ${down}\n${body}`;
  const migrate = (name: string, source: string, target: string, database: string): string =>
    `${head(name)}steps:
  - id: migrate
    do: migrations.upgrade
    with: { source: "${source}", target: ${JSON.stringify(target)}, database: "${database}" }
`;
  async function folder(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(ws.dir, name);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
    return name;
  }
  async function tables(database: TestDatabase, prefix: string): Promise<string[]> {
    const { rows } = await database.query<{ t: string }>(
      `SELECT relname AS t FROM pg_class WHERE relkind = 'r' AND starts_with(relname, $1) ORDER BY 1`,
      [prefix],
    );
    return rows.map((r) => r.t);
  }

  it('a UTF-8 byte order mark at the start of a SQL file or migration is skipped (as psql does)', async () => {
    const target = await createTestDatabase('cli_limits_bom');
    try {
      await folder('mig-bom', {
        'a.sql': BOM + rev('bom_a', ''),
        'b.sql': BOM + rev('bom_b', 'bom_a'),
      });
      writeFileSync(path.join(ws.dir, 'bom.sql'), `${BOM}CREATE TABLE bom_script (v int);\n`);
      await ws.writeProcedure(
        'bom',
        migrate('bom', 'mig-bom', 'head', target.name) +
          `  - id: script\n    do: sql.exec\n    with: { database: "${target.name}", file: bom.sql }\n`,
      );
      const r = await ws.cli(['run', 'bom', '--database-url', db.adminUrl]);
      expect(r.code, r.stderr).toBe(0);
      expect(await tables(target, 'bom_')).toEqual(['bom_a', 'bom_b', 'bom_script']);
      const v = await target.query<{ v: string }>('SELECT version_num AS v FROM alembic_version');
      expect(v.rows).toEqual([{ v: 'bom_b' }]);
    } finally {
      await target.drop();
    }
  });

  it('a NUL byte in a SQL file or a migration is refused at file:line before anything runs', async () => {
    await folder('mig-nul', { 'a.sql': rev('nul_a', ''), 'b.sql': rev('nul_b', 'nul_a', "SELECT '\0';\n") }); // prettier-ignore
    writeFileSync(
      path.join(ws.dir, 'nul.sql'),
      'CREATE TABLE nul_script (v int);\n\nSELECT 1\0;\n',
    );
    const first = `  - id: first\n    do: sql.exec\n    with: { database: "${db.name}", sql: "CREATE TABLE nul_first (v int)" }\n`;
    await ws.writeProcedure('nul-mig', `${head('nul-mig')}steps:\n${first}${migrate('x', 'mig-nul', 'head', db.name).split('steps:\n')[1]}`); // prettier-ignore
    await ws.writeProcedure('nul-file', `${head('nul-file')}steps:\n${first}  - id: script\n    do: sql.exec\n    with: { database: "${db.name}", file: nul.sql }\n`); // prettier-ignore
    for (const [name, where] of [
      ['nul-mig', /mig-nul\/b\.sql:3:1: .*NUL byte/],
      ['nul-file', /nul\.sql:3:1: .*NUL byte/],
    ] as const) {
      const before = ws.runIds();
      const r = await ws.cli(['run', name, '--database-url', db.adminUrl]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(where);
      expect(ws.runIds()).toEqual(before);
    }
    expect(await tables(db, 'nul_')).toEqual([]);
  });

  it('a revision id longer than the version table column is refused at preflight, naming the file', async () => {
    const long = 'x'.repeat(129);
    await folder('mig-long', { 'a.sql': rev('long_a', ''), 'b.sql': rev(long, 'long_a', 'CREATE TABLE long_b (v int);\n') }); // prettier-ignore
    await ws.writeProcedure('long-rev', migrate('long-rev', 'mig-long', 'head', db.name));
    const r = await ws.cli(['run', 'long-rev', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/mig-long\/b\.sql:1:1: .*129 characters.*varchar\(128\)/);
    expect(await tables(db, 'long_')).toEqual([]);
  });

  it('target +N: beyond the history is refused (exit 2); beyond what is pending fails with nothing applied', async () => {
    const target = await createTestDatabase('cli_limits_rel');
    try {
      await folder('mig-rel', { 'a.sql': rev('rel_a', ''), 'b.sql': rev('rel_b', 'rel_a'), 'c.sql': rev('rel_c', 'rel_b') }); // prettier-ignore
      await ws.writeProcedure('rel-far', migrate('rel-far', 'mig-rel', '+999999', target.name));
      const far = await ws.cli(['run', 'rel-far', '--database-url', db.adminUrl]);
      expect(far.code, far.stderr).toBe(2);
      expect(far.stderr).toMatch(/procedures\/rel-far\.yaml:\d+:\d+: .*"\+999999" asks for 999999 migrations but the history has only 3/); // prettier-ignore
      // Two of three applied by the first target leave one pending: +2 cannot be met.
      const twoTargets = migrate('rel-two', 'mig-rel', 'x', target.name).replace('target: "x"', 'target: [rel_b, "+2"]'); // prettier-ignore
      await ws.writeProcedure('rel-two', twoTargets);
      const two = await ws.cli(['run', 'rel-two', '--database-url', db.adminUrl]);
      expect(two.code, two.stderr).toBe(1);
      expect(two.stderr + two.stdout).toMatch(
        /RELATIVE_TARGET.*"\+2" asks for 2 migrations but only 1/,
      );
      expect(await tables(target, 'rel_')).toEqual([]);
    } finally {
      await target.drop();
    }
  });

  it('source / is refused at once instead of walking the filesystem', async () => {
    // As in local-equivalence, a files.absent scan of the same path comes first.
    const scan = `  - id: scan\n    do: files.absent\n    with: { path: /, patterns: [create_all] }\n`;
    await ws.writeProcedure('root-src', migrate('root-src', '/', 'head', db.name).replace('steps:\n', `steps:\n${scan}`)); // prettier-ignore
    const started = Date.now();
    const r = await ws.cli(['run', 'root-src', '--database-url', db.adminUrl]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /procedures\/root-src\.yaml:\d+:\d+: .*migrations: \/ is the filesystem root/,
    );
    expect(r.stderr).toMatch(
      /procedures\/root-src\.yaml:\d+:\d+: .*files\.absent: \/ is the filesystem root/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

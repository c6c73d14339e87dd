import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// The authority check verifies the server node-postgres will really connect to: a `?host=` or
// `?port=` in the URL's query overrides its visible host and port, so that is what is checked.
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_authority_target');
  ws = await createCliWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

function creating(name: string, authority: string): string {
  return `procedure: ${name}
requires: { authority: ${authority}, role: staging }
params:
  database: { type: string, default: ${db.name}_${name} }
steps:
  - id: create
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: write
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE t (v int)" }
`;
}

async function databaseExists(name: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

/** The test server's URL with its host part replaced, the real host moved into `?host=`. */
function disguised(visibleHost: string, realHost: string): string {
  const u = new URL(db.adminUrl);
  u.hostname = visibleHost;
  u.searchParams.set('host', realHost);
  return u.toString();
}

describe('the authority check reads the host node-postgres will use', () => {
  it('a neon-looking URL whose ?host= points elsewhere is refused (exit 3), nothing created', async () => {
    await ws.writeProcedure('neonish', creating('neonish', 'neon'));
    const url = disguised('ep-x.us-east-2.aws.neon.tech', new URL(db.adminUrl).hostname);
    const r = await ws.cli(['run', 'neonish', '--database-url', url], {
      env: { DB_AUTHORITY: 'neon' },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('URL_AUTHORITY_MISMATCH');
    expect(r.stderr).toContain('?host= parameter');
    expect(ws.runIds()).toEqual([]);
    expect(await databaseExists(`${db.name}_neonish`)).toBe(false);
  });

  it('a local-looking URL whose ?host= is remote is refused before connecting', async () => {
    await ws.writeProcedure('localish', creating('localish', 'local'));
    // 192.0.2.2 is TEST-NET-1: refused before any connection, so nothing is ever sent there.
    const url = disguised('localhost', '192.0.2.2');
    const r = await ws.cli(['run', 'localish', '--database-url', url, '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('host 192.0.2.2 is not local');
    expect(JSON.parse(r.stdout).error.code).toBe('URL_AUTHORITY_MISMATCH');
    expect(ws.runIds()).toEqual([]);
  });

  it('a hex, dotted-short or IPv4-mapped remote address is not a local service name (exit 3)', async () => {
    // 0x08080808 is 8.8.8.8 to the resolver; refused before connecting, so nothing is sent there.
    for (const url of [
      'postgres://u:pw@0x08080808/db',
      'postgres://u:pw@localhost/db?host=0x08080808',
      'postgres://u:pw@[::ffff:8.8.8.8]/db',
      'postgres://u:pw@8.8.2056/db',
    ]) {
      const r = await ws.cli(['run', 'localish', '--dry-run', '--database-url', url]);
      expect(r.code, `${url}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain('URL_AUTHORITY_MISMATCH');
      expect(r.stderr + r.stdout).not.toContain(':pw@');
    }
    expect(ws.runIds()).toEqual([]);
  });

  it('PGHOST naming a remote server is checked when the URL names no host (exit 3)', async () => {
    const r = await ws.cli(['run', 'localish', '--dry-run', '--database-url', 'postgres:///db'], {
      env: { PGHOST: '192.0.2.2' },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('host 192.0.2.2 is not local');
    expect(r.stderr).toContain('taken from PGHOST');
    expect(ws.runIds()).toEqual([]);
  });

  it('libpq-only target keys in the query are invalid input (exit 2)', async () => {
    for (const key of ['hostaddr=127.0.0.1', 'service=x', 'dbname=other']) {
      const r = await ws.cli(['run', 'localish', '--database-url', `${db.adminUrl}?${key}`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`sets ${key.split('=')[0]}=`);
    }
    const r = await ws.cli(['run', 'localish', '--database-url', db.adminUrl], {
      env: { PGHOSTADDR: '127.0.0.1' },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('PGHOSTADDR');
    expect(ws.runIds()).toEqual([]);
    expect(await databaseExists(`${db.name}_localish`)).toBe(false);
  });

  it('a URL libpq would read as another server (a fragment, two @, a line break) is invalid input (exit 2)', async () => {
    const u = new URL(db.adminUrl);
    const cases: [string, RegExp][] = [
      [`${db.adminUrl}#?host=192.0.2.2&port=55432`, /holds a # \(a fragment/],
      [
        `${u.protocol}//x@192.0.2.2:55432,@${u.host}${u.pathname}?user=${u.username}`,
        /more than one @/,
      ],
      [
        `${u.protocol}//${u.username}@${u.hostname}\n:${u.port}${u.pathname}`,
        /tab or a line break/,
      ],
    ];
    for (const [url, why] of cases) {
      const r = await ws.cli(['run', 'localish', '--database-url', url]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(ws.runIds()).toEqual([]);
    expect(await databaseExists(`${db.name}_localish`)).toBe(false);
  });

  it('a .env file cannot declare the authority, the role or a prod confirmation', async () => {
    await ws.writeProcedure(
      'prodish',
      creating('prodish', 'local').replace('role: staging', 'role: prod'),
    );
    await writeFile(
      path.join(ws.dir, '.env'),
      'DB_AUTHORITY=local\nDB_ROLE=prod\nCONFIRM_PROD_MIGRATIONS=true\n',
    );
    try {
      const r = await ws.cli(['run', 'prodish', '--database-url', db.adminUrl], {
        env: { DB_AUTHORITY: undefined, DB_ROLE: undefined, CONFIRM_PROD_MIGRATIONS: undefined },
      });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(
        '.env sets DB_AUTHORITY, DB_ROLE, CONFIRM_PROD_MIGRATIONS: ignored',
      );
      // Declared by the invocation, prod still needs its own confirmation.
      const unconfirmed = await ws.cli(['run', 'prodish', '--database-url', db.adminUrl], {
        env: { DB_AUTHORITY: 'local', DB_ROLE: 'prod', CONFIRM_PROD_MIGRATIONS: undefined },
      });
      expect(unconfirmed.code, unconfirmed.stderr).toBe(3);
      expect(unconfirmed.stderr).toContain('PROD_UNCONFIRMED');
      expect(await databaseExists(`${db.name}_prodish`)).toBe(false);
    } finally {
      await rm(path.join(ws.dir, '.env'));
    }
  });

  it("a shell step's DATABASE_URL and PG* name the checked target, whatever the environment says", async () => {
    await ws.writeProcedure(
      'shelly',
      `procedure: shelly
requires: { authority: local, role: staging }
steps:
  - id: show
    do: shell.exec
    with:
      command: 'echo "url=$DATABASE_URL host=$PGHOST port=$PGPORT db=$PGDATABASE user=$PGUSER addr=\${PGHOSTADDR-unset} svcfile=\${PGSERVICEFILE-unset}"'
      env: { PGHOST: 192.0.2.9 }
`,
    );
    const target = new URL(db.adminUrl);
    const r = await ws.cli(['run', 'shelly', '--database-url', db.adminUrl], {
      env: {
        DATABASE_URL: 'postgres://prod:Zq9ProdPw@192.0.2.7:6543/proddb',
        PGHOST: '192.0.2.8',
        PGPORT: '6543',
        PGDATABASE: 'proddb',
        PGUSER: 'produser',
        PGSERVICEFILE: '/nonexistent/pg_service.conf',
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const [runId] = ws.runIds().slice(-1);
    const output = ws.events(runId!).find((e) => e.type === 'shell.output');
    const stdout = String((output?.data as { stdout?: string }).stdout);
    const name = target.pathname.slice(1);
    expect(stdout).toContain(`url=${target.protocol}//${target.username}`);
    expect(stdout).toContain(`@${target.host}/${name} `);
    expect(stdout).toContain(
      `host=${target.hostname} port=${target.port} db=${name} user=${target.username} ` +
        'addr=unset svcfile=unset',
    );
    expect(r.stdout + r.stderr + stdout).not.toMatch(/192\.0\.2\.|6543|proddb|produser|Zq9ProdPw/);
  });

  it('resume refuses a URL whose ?port= moves it to another server (exit 3)', async () => {
    await ws.writeProcedure(
      'stops',
      creating('stops', 'local') +
        `  - id: gate
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT count(*) FROM gate" }
`,
    );
    const failed = await ws.cli(['run', 'stops', '--database-url', db.adminUrl]);
    expect(failed.code, failed.stderr).toBe(1);
    const moved = new URL(db.adminUrl);
    moved.searchParams.set('port', '1');
    const r = await ws.cli(['resume', 'last', '--database-url', moved.toString()]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/refusing to resume it against .*:1\//);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, adminUrl, uniqueName } from './support/database.js';

// The run's lock is held on a session of the maintenance database for the whole run, and the
// database steps ask the catalog on it. A server that ends idle sessions (idle_session_timeout,
// a pooler's or firewall's idle limit) ends that one: a later database.create still answers.

let ws: CliWorkspace;
const maintenance = uniqueName('rb_maint');
const target = uniqueName('rb_target');

beforeAll(async () => {
  await adminQuery(`CREATE DATABASE ${quoteIdent(maintenance)}`);
  await adminQuery(`CREATE DATABASE ${quoteIdent(target)}`);
  await adminQuery(`ALTER DATABASE ${quoteIdent(maintenance)} SET idle_session_timeout = '1s'`);
  ws = await createCliWorkspace('runbook-lock-session-');
  await ws.writeProcedure(
    'held',
    `procedure: held
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: wait
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT pg_sleep(2.5)" }
  - id: make
    do: database.create
    with: { name: "\${{ params.database }}_scratch" }
`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  for (const d of [maintenance, target, `${target}_scratch`]) {
    await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(d)} WITH (FORCE)`);
  }
});

it('database.create answers after the idle lock session was ended by the server', async () => {
  const r = await ws.cli([
    'run', 'held', '--param', `database=${target}`,
    '--database-url', withDatabase(adminUrl(), maintenance),
  ]); // prettier-ignore
  expect(r.code, r.stderr).toBe(0);
  const { rows } = await adminQuery<{ n: string }>(
    'SELECT count(*) AS n FROM pg_database WHERE datname = $1',
    [`${target}_scratch`],
  );
  expect(rows).toEqual([{ n: '1' }]);
});

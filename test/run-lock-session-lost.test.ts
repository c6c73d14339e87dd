import { afterAll, beforeAll, expect, it } from 'vitest';
import { quoteIdent } from '../src/postgres/quote.js';
import { withDatabase } from '../src/postgres/url.js';
import { createCliWorkspace, waitFor, type CliWorkspace } from './support/cli.js';
import { adminQuery, adminUrl, uniqueName } from './support/database.js';

// The run's lock is held on a session of the maintenance database for the whole run, idle, and the
// database steps ask the catalog on it. A server that ends idle sessions (idle_session_timeout)
// must not end that one, and the lock with it; a session ended anyway (a terminated backend, a
// pooler's idle limit) still leaves database.create an answer, from a pooled session.

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
    with: { database: "\${{ params.database }}", sql: "SELECT pg_sleep(3)" }
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

it('keeps its lock past the server\u2019s idle-session limit: a second run is refused meanwhile', async () => {
  const args = [
    'run', 'held', '--param', `database=${target}`,
    '--database-url', withDatabase(adminUrl(), maintenance),
  ]; // prettier-ignore
  const first = ws.start(args);
  await waitFor('the first run to start its sleep', () =>
    ws.runIds().some((id) => ws.events(id).some((e) => e.type === 'step.started')),
  );
  // Past the 1 s limit: an idle lock session would be gone by now.
  await new Promise((r) => setTimeout(r, 1500));
  const second = await ws.cli(args);
  expect(second.code, second.stderr).toBe(3);
  expect(second.stderr).toContain('DATABASE_LOCKED');
  const done = await first.done;
  expect(done.code, done.stderr).toBe(0);
  const { rows } = await adminQuery<{ n: string }>(
    'SELECT count(*) AS n FROM pg_database WHERE datname = $1',
    [`${target}_scratch`],
  );
  expect(rows).toEqual([{ n: '1' }]);
});

it('database.create answers from a pooled session when the lock session was ended', async () => {
  const args = [
    'run', 'held', '--param', `database=${target}`,
    '--database-url', withDatabase(adminUrl(), maintenance),
  ]; // prettier-ignore
  const run = ws.start(args);
  await waitFor(
    'the run to start its sleep',
    () =>
      ws.runIds().length > 1 &&
      ws.events(ws.runIds().at(-1)!).some((e) => e.type === 'step.started'),
  );
  // The lock session: the maintenance database's idle session of this run.
  const ended = await adminQuery(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = $1 AND state = 'idle' AND application_name LIKE 'runbook:%'`,
    [maintenance],
  );
  expect(ended.rows).toHaveLength(1);
  const done = await run.done;
  expect(done.code, done.stderr).toBe(0);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, type CliWorkspace } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';

// Every session of a run carries a tag in application_name (63 bytes at most). With a long
// procedure name, two runs' tags must still differ: `resume` ends the sessions its own dead
// process left, and must never end those of another live run of the same procedure.
const NAME = 'a-procedure-whose-name-is-long-enough-to-fill-application-nam'; // 61 characters
let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('cli_session_tag');
  ws = await createCliWorkspace('runbook-session-tag-');
  await ws.writeProcedure(
    NAME,
    `procedure: ${NAME}
requires: { authority: local, role: staging }
params:
  database: { type: string }
  sleep: { type: integer, default: 0 }
steps:
  - id: create
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: wait
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT pg_sleep(\${{ params.sleep }})" }
  - id: gate
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT count(*) FROM gate" }
`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  for (const suffix of ['live', 'dead']) {
    await adminQuery(`DROP DATABASE IF EXISTS ${db.name}_${suffix} WITH (FORCE)`);
  }
  await db?.drop();
});

describe('session tags of runs of a long-named procedure', () => {
  it("resuming one run leaves another live run's sessions alone", async () => {
    const dead = await ws.cli(['run', NAME, '--param', `database=${db.name}_dead`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(dead.code, dead.stderr).toBe(1);
    const [deadId] = ws.runIds();
    // The live run sleeps 8 s in the server, in a session tagged with its own run id.
    const live = ws.start(['run', NAME, '--param', `database=${db.name}_live`, '--param', 'sleep=8', '--database-url', db.adminUrl]); // prettier-ignore
    const until = Date.now() + 20_000;
    for (;;) {
      const { rows } = await adminQuery<{ app: string }>(
        `SELECT application_name AS app FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(8)%'`,
      );
      if (rows.length > 0) {
        expect(rows[0]!.app.length).toBeLessThanOrEqual(63);
        break;
      }
      if (Date.now() > until) throw new Error(`the live run never slept: ${live.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const resumed = await ws.cli(['resume', deadId!, '--database-url', db.adminUrl]);
    expect(resumed.stderr).not.toContain('ending session');
    const finished = await live.done;
    // The live run's sleep was not terminated: it failed at its gate (no table), not with 57P01.
    expect(finished.stderr).not.toContain('57P01');
    expect(finished.code, finished.stderr).toBe(1);
    const liveId = ws.runIds().find((id) => id !== deadId)!;
    const failed = ws.events(liveId).find((e) => e.type === 'step.failed');
    expect(failed?.step).toBe('gate');
  });
});

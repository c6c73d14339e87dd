import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  createPasswordRole,
  createProofWorkspace,
  findSecretLeaks,
  PROOF_PASSWORD,
  type PasswordRole,
  type ProofWorkspace,
} from './support/proof-workspace.js';

// node-postgres and libpq percent-decode a URL's query keys: `?pass%77ord=…` IS the password, so
// it must be masked wherever the URL is printed or logged, exactly like `?password=…`.
let role: PasswordRole;
let db: TestDatabase;
let ws: ProofWorkspace;

beforeAll(async () => {
  role = await createPasswordRole('rb_enc_key');
  db = await createTestDatabase('secrets_enc_key');
  ws = await createProofWorkspace('runbook-secrets-enc-key-');
  await ws.writeProcedure(
    'encoded',
    `procedure: encoded
requires: { authority: local, role: staging }
steps:
  - id: select
    do: sql.exec
    with: { database: ${db.name}, sql: "SELECT 1" }
`,
  );
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
  await role?.drop();
});

/** The role's URL with its password moved into a query key spelled `key`. */
function passwordInQuery(key: string): string {
  const u = new URL(role.url);
  u.password = '';
  return `${u.toString()}?${key}=${encodeURIComponent(PROOF_PASSWORD)}`;
}

describe('a password under a percent-encoded query key', () => {
  it('is used to sign in, and masked in the run line, events.jsonl and everything else', async () => {
    for (const key of ['pass%77ord', '%70%61ssword', 'PASS%57ORD']) {
      const r = await ws.cli(['run', 'encoded', '--database-url', passwordInQuery(key)]);
      // PASS%57ORD decodes to PASSWORD, which node-postgres does not read (keys are case-sensitive);
      // masked all the same (over-masking is harmless). The test server may trust every sign-in.
      expect(r.code, `${key}: ${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr).toContain(`${key}=***`);
    }
    const runs = ws.runIds();
    expect(runs.length).toBe(3);
    const started = ws.events(runs[0]!).find((e) => e.type === 'run.started');
    expect(JSON.stringify(started)).toMatch(
      /pass%77ord=\*\*\*|%70%61ssword=\*\*\*|PASS%57ORD=\*\*\*/,
    );
    expect(findSecretLeaks(ws)).toEqual([]);
  });
});

describe("a secret param in an action's artifact", () => {
  it('is redacted in the artifact as in the log (schema.expect echoes what it expected)', async () => {
    await ws.writeProcedure(
      'artifact',
      `procedure: artifact
requires: { authority: local, role: staging }
params:
  token: { type: string, secret: true }
steps:
  - id: check
    do: schema.expect
    with: { database: ${db.name}, tables_exist: ["\${{ params.token }}"] }
`,
    );
    const r = await ws.cli(['run', 'artifact', '--param', `token=${PROOF_PASSWORD}`, '--database-url', db.adminUrl]); // prettier-ignore
    expect(r.code, r.stderr).toBe(1);
    const runId = ws.runIds().find((id) => id.startsWith('artifact-'))!;
    const artifact = ws
      .files(path.join(ws.runsDir, runId, 'artifacts'))
      .find((f) => f.includes('expectations'));
    expect(artifact).toBeDefined();
    expect(findSecretLeaks(ws)).toEqual([]);
  });
});

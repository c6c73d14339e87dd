import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  createPasswordRole,
  createProofWorkspace,
  findSecretLeaks,
  leakContext,
  PROOF_PASSWORD,
  type PasswordRole,
  type ProofWorkspace,
} from './support/proof-workspace.js';

// Secrets (issue 6): a URL carrying a recognisable password goes through every verb, success and
// failure paths, flag and environment; then everything printed and written is scanned for it.
// Every other proof suite runs the same scan over its own workspace in its afterAll.
/** The secret param, given on the command line like the URL. */
const TOKEN = `token=${PROOF_PASSWORD}`;
let role: PasswordRole;
let db: TestDatabase;
let ws: ProofWorkspace;

const PROCEDURE = `procedure: secretive
description: succeeds or fails on demand, echoes its URL through a shell
requires: { authority: local, role: staging }
params:
  database: { type: string }
  token: { type: string, secret: true }
steps:
  - id: create
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE IF NOT EXISTS s (v text)" }
  - id: shell
    do: shell.exec
    with:
      command: 'echo "url=$DATABASE_URL"; echo "token=$TOKEN" >&2'
      database: "\${{ params.database }}"
      env: { TOKEN: "\${{ params.token }}" }
  - id: gate
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT count(*) FROM gate" }
`;

beforeAll(async () => {
  role = await createPasswordRole('rb_proof_secret');
  db = await createTestDatabase('proof_secret');
  ws = await createProofWorkspace('runbook-proof-secrets-');
  await ws.writeProcedure('secretive', PROCEDURE);
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
  await role?.drop();
});

describe('secrets never printed or written', () => {
  it('run (failing), inspect, resume (flag and DATABASE_URL), replay, runs, show, list', async () => {
    const url = role.url;
    expect(url).toContain('RbProofS3cret');
    const failed = await ws.cli(['run', 'secretive', '--param', `database=${db.name}`, '--param', TOKEN, '--database-url', url, '--json']); // prettier-ignore
    expect(failed.code, failed.stderr).toBe(1);
    const runId = ws.runIds()[0]!;
    // The shell step really received the password (so its scrubbing is what kept it out).
    expect(ws.events(runId).some((e) => e.type === 'step.succeeded' && e.step === 'shell')).toBe(
      true,
    );
    for (const args of [
      ['inspect', runId],
      ['inspect', runId, '--json'],
      ['runs'],
      ['runs', '--json'],
      ['show', 'secretive'],
      ['show', 'secretive', '--json'],
      ['list', '--json'],
    ]) {
      const r = await ws.cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // A resume that fails again, then one (through DATABASE_URL) that succeeds.
    const again = await ws.cli([
      'resume',
      runId,
      '--param',
      TOKEN,
      '--database-url',
      url,
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(1);
    await db.query('CREATE TABLE gate (v int)');
    const resumed = await ws.cli(['resume', 'last', '--param', TOKEN, '--json'], {
      env: { DATABASE_URL: url },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const replay = await ws.cli(['replay', runId, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
  });

  // `run --dry-run` prints the resolved step arguments: secret params must be redacted there too.
  it('run --dry-run prints no secret param', async () => {
    const dryWs = await createProofWorkspace('runbook-proof-secrets-dry-');
    try {
      await dryWs.writeProcedure('secretive', PROCEDURE);
      const dry = await dryWs.cli(['run', 'secretive', '--param', `database=${db.name}`, '--param', TOKEN, '--dry-run', '--json'], { env: { DATABASE_URL: role.url } }); // prettier-ignore
      expect(dry.code, dry.stderr).toBe(0);
      expect(findSecretLeaks(dryWs)).toEqual([]);
    } finally {
      await dryWs.dispose();
    }
  });

  it('errors that carry the URL: wrong password scheme, unreachable server, host refused', async () => {
    const bad = [
      ['run', 'secretive', '--param', `database=${db.name}`, '--param', TOKEN, '--database-url', url('mysql', '127.0.0.1:1')],
      ['run', 'secretive', '--param', `database=${db.name}`, '--param', TOKEN, '--database-url', url('postgresql', '127.0.0.1:1')],
      ['run', 'secretive', '--param', `database=${db.name}`, '--param', TOKEN, '--database-url', url('postgresql', 'db.example.com:5432')],
      ['resume', 'last', '--param', TOKEN, '--database-url', url('postgresql', '127.0.0.1:1')],
    ]; // prettier-ignore
    for (const args of bad) {
      const r = await ws.cli([...args, '--json']);
      expect(r.code, r.stderr).not.toBe(0);
    }
  });

  it('nothing printed and nothing under runs/ holds the password', () => {
    expect(ws.printed().length).toBeGreaterThan(10);
    expect(ws.files().filter((f) => f.startsWith('runs')).length).toBeGreaterThan(3);
    expect(findSecretLeaks(ws)).toEqual([]);
  });

  it('neither do the workspaces of the other proof suites still on disk', () => {
    // Each suite scans its own in afterAll; this catches what a concurrently running one holds.
    const dirs = readdirSync(os.tmpdir()).filter((d) => d.startsWith('runbook-proof-'));
    const leaks: string[] = [];
    for (const d of dirs) {
      const dir = path.join(os.tmpdir(), d);
      try {
        for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
          if (!f.isFile() || f.parentPath.includes(`${path.sep}procedures`)) continue;
          const file = path.join(f.parentPath, f.name);
          const where = leakContext(readText(file));
          if (where) leaks.push(`${file}: ${where}`);
        }
      } catch {
        // a workspace disposed while we looked: nothing left to leak
      }
    }
    expect(leaks).toEqual([]);
  });
});

function url(scheme: string, hostPort: string): string {
  return `${scheme}://${role.name}:${encodeURIComponent(PROOF_PASSWORD)}@${hostPort}/postgres`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

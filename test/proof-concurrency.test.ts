import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  createPasswordRole,
  createProofWorkspace,
  findSecretLeaks,
  type PasswordRole,
  type ProofWorkspace,
} from './support/proof-workspace.js';

// Concurrency (issue 6): one run per database, one process per run, and a dead holder's lock
// recovered with a log line.
let role: PasswordRole;
let db: TestDatabase;
let ws: ProofWorkspace;

/**
 * A procedure whose `gate` step fails until table `gate_<tag>` exists, then holds the database for
 * as many seconds as the table's largest value.
 */
function slowProcedure(name: string, tag: string): string {
  return `procedure: ${name}
description: holds the database for a while
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: gate
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT count(*) FROM gate_${tag}" }
  - id: hold
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "SELECT pg_sleep((SELECT coalesce(max(v), 0) FROM gate_${tag}))" }
`;
}

beforeAll(async () => {
  role = await createPasswordRole('rb_proof_conc');
  db = await createTestDatabase('proof_conc');
  ws = await createProofWorkspace('runbook-proof-conc-');
  await ws.writeProcedure('slow-a', slowProcedure('slow-a', 'a'));
  await ws.writeProcedure('slow-b', slowProcedure('slow-b', 'b'));
  await ws.writeProcedure('slow-c', slowProcedure('slow-c', 'c'));
  await ws.writeProcedure('slow-d', slowProcedure('slow-d', 'd'));
});
afterAll(async () => {
  if (ws) expect(findSecretLeaks(ws)).toEqual([]);
  await ws?.dispose();
  await db?.drop();
  await role?.drop();
});

const args = (verb: string, what: string, ...more: string[]): string[] =>
  verb === 'run'
    ? ['run', what, '--param', `database=${db.name}`, '--database-url', role.url, ...more]
    : [verb, what, '--database-url', role.url, ...more];

/** The id of the run of `procedure` (exactly one). */
function runOf(procedure: string): string {
  const ids = ws.runIds().filter((id) => id.startsWith(`${procedure}-`));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function stepStarted(runId: string, step: string, nth = 1): boolean {
  return ws.events(runId).filter((e) => e.type === 'step.started' && e.step === step).length >= nth;
}

describe('concurrency', () => {
  it('a second run against the same database is refused (exit 3), naming the first run', async () => {
    await db.query('CREATE TABLE gate_a (v int); INSERT INTO gate_a VALUES (4)');
    const first = ws.start(args('run', 'slow-a'));
    const firstId = await waitFor('the first run dir', () =>
      ws.runIds().find((i) => i.startsWith('slow-a-')),
    );
    await waitFor('the first run to hold', () => stepStarted(firstId, 'hold'));
    const before = ws.runIds();
    const second = await ws.cli(args('run', 'slow-b'));
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toContain('DATABASE_LOCKED');
    expect(second.stderr).toContain(firstId);
    // Refused before anything ran: no run directory for the second.
    expect(ws.runIds()).toEqual(before);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
  });

  it('a second resume of the same run is refused (exit 3) while the first drives it', async () => {
    const failed = await ws.cli(args('run', 'slow-b'));
    expect(failed.code, failed.stderr).toBe(1);
    const runId = runOf('slow-b');
    await db.query('CREATE TABLE gate_b (v int); INSERT INTO gate_b VALUES (4)');
    const first = ws.start(args('resume', runId));
    await waitFor('the first resume to hold', () => stepStarted(runId, 'hold'));
    const second = await ws.cli(args('resume', runId));
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toContain('RUN_LOCKED');
    expect(second.stderr).toContain(`pid ${first.pid}`);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    // The refused resume left no trace in the run's log.
    expect(ws.events(runId).filter((e) => e.type === 'run.resumed')).toHaveLength(1);
  });

  it('a lock whose holder died (dead pid) is recovered by resume, with lock.recovered logged', async () => {
    const failed = await ws.cli(args('run', 'slow-c'));
    expect(failed.code, failed.stderr).toBe(1);
    const runId = runOf('slow-c');
    await db.query('CREATE TABLE gate_c (v int)');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lockFile = path.join(ws.runsDir, runId, 'lock');
    const stale = {
      pid: dead,
      host: os.hostname(),
      command: 'runbook resume (died)',
      since: new Date().toISOString(),
    };
    writeFileSync(lockFile, `${JSON.stringify(stale)}\n`);
    const resumed = await ws.cli(args('resume', runId));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`stale lock left by pid ${dead}`);
    const recovered = ws.events(runId).filter((e) => e.type === 'lock.recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.data).toMatchObject({ pid: dead });
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a resume SIGKILLed while holding the lock leaves a lock the next resume recovers', async () => {
    const failed = await ws.cli(args('run', 'slow-d'));
    expect(failed.code, failed.stderr).toBe(1);
    const runId = runOf('slow-d');
    await db.query('CREATE TABLE gate_d (v int); INSERT INTO gate_d VALUES (30)');
    const victim = ws.start(args('resume', runId));
    await waitFor('the resume to hold', () => stepStarted(runId, 'hold'));
    const lockFile = path.join(ws.runsDir, runId, 'lock');
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: victim.pid });
    victim.child.kill('SIGKILL');
    await victim.done;
    // The killed client's server session may still be sleeping; end it so the database is free.
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'`,
      [db.name],
    );
    await db.query('DELETE FROM gate_d');
    const next = await ws.cli(args('resume', runId));
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`stale lock left by pid ${victim.pid}`);
    const recovered = ws.events(runId).filter((e) => e.type === 'lock.recovered');
    expect(recovered.at(-1)!.data).toMatchObject({ pid: victim.pid });
  }, 90_000);
});

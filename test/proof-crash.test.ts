import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEventLog } from '../src/runs/verify-event-log.js';
import { withDatabase } from '../src/postgres/url.js';
import { REPO, waitFor, type CliResult } from './support/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './support/database.js';
import {
  attemptWithKill,
  describeAttempt,
  nextVerb,
  recordedFailure,
  type AttemptOutcome,
} from './support/proof-crash-driver.js';
import { seededRandom } from './support/proof-random.js';
import { schemaDifference } from './support/proof-schema.js';
import {
  createPasswordRole,
  createProofWorkspace,
  findSecretLeaks,
  type PasswordRole,
  type ProofWorkspace,
} from './support/proof-workspace.js';

// Crash anywhere (issue 6): SIGKILL `local-equivalence` on nova/after at random moments, resume
// after each kill, and prove the end state is exactly that of a run never interrupted.
const KILLS = Number(process.env.RUNBOOK_CRASH_KILLS ?? 20);
const random = seededRandom('RUNBOOK_CRASH_SEED');
const PROCEDURES = path.join(REPO, 'procedures');
const MIGRATIONS = path.join(REPO, 'examples', 'nova', 'after');
const HEAD = '124_prevention_records_run_id';
const SEED_NOTE = 'seeded by 044_seed_m25_graduation_status';

let role: PasswordRole;
let reference: TestDatabase;
let crashed: TestDatabase;
let inDoubt: TestDatabase;
const workspaces: ProofWorkspace[] = [];
/** Measured on the uninterrupted run: total wall time and time to its first log line. */
let totalMs = 0;
let startupMs = 0;

async function workspace(): Promise<ProofWorkspace> {
  const ws = await createProofWorkspace('runbook-proof-crash-');
  workspaces.push(ws);
  return ws;
}

const runArgs = (database: string): string[] => [
  'run', 'local-equivalence', '--procedures', PROCEDURES,
  '--param', `database=${database}`, '--param', `migrations=${MIGRATIONS}`,
  '--database-url', role.url,
]; // prettier-ignore
const resumeArgs = (): string[] => ['resume', 'last', '--database-url', role.url];

beforeAll(async () => {
  console.log(
    `proof-crash: seed=${random.seed} kills=${KILLS} (replay: RUNBOOK_CRASH_SEED=${random.seed} RUNBOOK_CRASH_KILLS=${KILLS})`,
  );
  role = await createPasswordRole('rb_proof_crash');
  [reference, crashed, inDoubt] = await Promise.all([
    createTestDatabase('proof_crash_ref'),
    createTestDatabase('proof_crash_kill'),
    createTestDatabase('proof_crash_doubt'),
  ]);
});
afterAll(async () => {
  for (const ws of workspaces) expect(findSecretLeaks(ws)).toEqual([]);
  await Promise.all(workspaces.map((ws) => ws.dispose()));
  await Promise.all([reference, crashed, inDoubt].map((d) => d?.drop()));
  await role?.drop();
});

async function versionRows(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query<{ v: string }>('SELECT version_num AS v FROM alembic_version');
  return rows.map((r) => r.v);
}

/** Resumes until the run succeeds: --retry for an in-doubt migration, a pause after a refusal. */
async function resumeToCompletion(ws: ProofWorkspace, trace: string[]): Promise<CliResult> {
  for (let i = 0; i < 8; i++) {
    const verb = nextVerb(ws);
    const args =
      verb === 'run' ? [] : [...resumeArgs(), ...(verb === 'resume --retry' ? ['--retry'] : [])];
    if (args.length === 0) throw new Error('no run directory to resume');
    const result = await ws.cli(args);
    trace.push(`final ${verb} → exit ${result.code}`);
    if (result.code === 0) return result;
    // A killed process's server session may still hold the run's database lock for a moment.
    if (result.code === 3 && result.stderr.includes('DATABASE_LOCKED')) {
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    const rec = recordedFailure(ws.runsDir, ws.runIds()[0]!);
    if (result.code === 1 && rec?.code === 'MIGRATION_IN_DOUBT') continue;
    throw new Error(`resume exited ${result.code}:\n${result.stderr}`);
  }
  throw new Error('the run did not finish after 8 resumes');
}

/** The end state every scenario must reach: identical to the reference, head, seed row once. */
async function expectFinalState(ws: ProofWorkspace, db: TestDatabase): Promise<void> {
  const runId = ws.runIds()[0]!;
  expect(ws.runIds()).toHaveLength(1);
  expect(recordedFailure(ws.runsDir, runId)?.status).toBe('succeeded');
  expect(await schemaDifference(role.url, reference.name, db.name)).toBe('');
  expect(await versionRows(db)).toEqual([HEAD]);
  const seeded = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM m25_graduation_status WHERE notes = $1',
    [SEED_NOTE],
  );
  expect(seeded.rows[0]!.n).toBe(1);
  const log = verifyEventLog(path.join(ws.runsDir, runId, 'events.jsonl'));
  expect(log.ok, JSON.stringify(log.ok ? '' : { line: log.line, reason: log.reason })).toBe(true);
  // No migration was applied twice: each revision is logged as applied at most once.
  const applied = ws.events(runId).filter((e) => e.type === 'migration.applied');
  const revisions = applied.map((e) => (e.data as { revision: string }).revision);
  expect(new Set(revisions).size).toBe(revisions.length);
  const replay = await ws.cli(['replay', runId]);
  expect(replay.code, replay.stderr + replay.stdout).toBe(0);
}

describe('crash anywhere: local-equivalence on nova/after', () => {
  it('an uninterrupted run succeeds (the reference)', { timeout: 180_000 }, async () => {
    const ws = await workspace();
    const started = Date.now();
    const result = await ws.cli(runArgs(reference.name));
    totalMs = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    const first = ws.events(ws.runIds()[0]!).find((e) => e.type === 'migration.applied') as
      { time: string } | undefined;
    expect(first).toBeDefined();
    startupMs = Math.max(100, Math.min(totalMs / 2, new Date(first!.time).getTime() - started));
    expect(await versionRows(reference)).toEqual([HEAD]);
    console.log(
      `proof-crash: reference run ${totalMs} ms (first migration after ≈ ${startupMs} ms)`,
    );
  });

  it(
    `survives ${KILLS} SIGKILLs at random moments, then converges to the reference`,
    {
      timeout: 600_000,
    },
    async () => {
      expect(totalMs, 'the reference run must have succeeded').toBeGreaterThan(0);
      const ws = await workspace();
      const trace: string[] = [];
      const outcomes: AttemptOutcome[] = [];
      // Delays after spawn: the expected startup (learnt from each process's first work) plus
      // a random share of what is left of the run, so that together the kills cover the whole run and most land
      // among the migrations; every seventh attempt is killed while still starting up.
      const workMs = Math.max(totalMs - startupMs, 1000);
      let applied = 0;
      let startup = startupMs;
      try {
        let kills = 0;
        for (let attempt = 1; kills < KILLS && attempt <= KILLS * 3; attempt++) {
          const kind = attempt % 5 === 3 ? 'checkpoint' : 'random';
          const early = attempt % 7 === 0;
          // Spread what is left of the run (125 migrations, then the checks) over the kills left.
          const leftMs = workMs * (0.1 + (0.9 * Math.max(0, 125 - applied)) / 125);
          const span = (2 * leftMs) / (KILLS - kills);
          const delayMs = early ? random.next() * startup : startup + random.next() * span;
          const o = await attemptWithKill(ws, {
            attempt, kind, delayMs, runArgs: runArgs(crashed.name), resumeArgs: resumeArgs(),
          }); // prettier-ignore
          outcomes.push(o);
          trace.push(describeAttempt(o));
          // Learn how long a process takes before it does any work (it varies with the load).
          if (o.firstProgressMs !== undefined) startup = 0.5 * startup + 0.5 * o.firstProgressMs;
          else if (o.killed && !early) startup *= 1.25;
          applied = o.applied;
          if (o.killed) {
            kills++;
            continue;
          }
          if (o.exit.code === 0) break; // finished before the kill: nothing left to interrupt
          const refused = o.exit.code === 3 && o.exit.stderr.includes('DATABASE_LOCKED');
          const inDoubtStop = o.exit.code === 1 && o.checkpoint?.status === 'failed';
          if (refused) await new Promise((r) => setTimeout(r, 300));
          else if (!inDoubtStop || nextVerb(ws) !== 'resume --retry')
            throw new Error(`attempt ${attempt} exited ${o.exit.code}:\n${o.exit.stderr}`);
        }
        const windowKills = outcomes.filter(
          (o) => o.killed && o.kind === 'checkpoint' && o.newTemps.length > 0,
        );
        trace.push(`kills inside a checkpoint write: ${windowKills.length}`);
        if (nextVerb(ws) === 'run') await ws.cli(runArgs(crashed.name));
        else if (recordedFailure(ws.runsDir, ws.runIds()[0]!)?.status !== 'succeeded')
          await resumeToCompletion(ws, trace);
        // Reported to the lead, not asserted (how many depends on where the kills land): a kill
        // between a migration's COMMIT and its log line leaves it applied but never logged.
        const logged = new Set(ws.events(ws.runIds()[0]!).map(revisionOf).filter(Boolean));
        const unlogged = (await versionHistory()).filter((r) => !logged.has(r));
        trace.push(`applied but never logged: ${unlogged.length} ${unlogged.join(' ')}`);
        console.log(`proof-crash (seed ${random.seed}):\n  ${trace.join('\n  ')}`);
        await expectFinalState(ws, crashed);
        // Most kills landed while the process was alive; at least one inside a checkpoint write.
        expect(outcomes.filter((o) => o.killed).length).toBeGreaterThanOrEqual(Math.min(KILLS, 5));
        expect(windowKills.length).toBeGreaterThan(0);
        // Every torn line a kill left was recovered by the next process (moved aside, logged).
        const runId = ws.runIds()[0]!;
        if (outcomes.some((o) => o.checkpoint?.tornLastLine)) {
          expect(ws.events(runId).some((e) => e.type === 'log.recovered')).toBe(true);
        }
      } catch (err) {
        console.log(`proof-crash FAILED (seed ${random.seed}):\n  ${trace.join('\n  ')}`);
        throw err;
      }
    },
  );

  it(
    'a kill inside the non-transactional migration leaves it in doubt; --retry converges',
    {
      timeout: 180_000,
    },
    async () => {
      expect(totalMs, 'the reference run must have succeeded').toBeGreaterThan(0);
      const ws = await workspace();
      const p = ws.start(runArgs(inDoubt.name));
      // Once 031 (the last migration before 100 that locks aos_traces) is applied, hold a lock that
      // CREATE INDEX CONCURRENTLY waits for: migration 100 is then provably in flight.
      const blocker = new pg.Client(withDatabase(role.url, inDoubt.name));
      await waitFor(
      'migration 031',
      () => ws.runIds()[0] && ws.events(ws.runIds()[0]!).some((e) => revisionOf(e) === '031_s6_trace_immutability'),
      60_000,
    ); // prettier-ignore
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE aos_traces IN SHARE UPDATE EXCLUSIVE MODE');
      const runId = ws.runIds()[0]!;
      await waitFor(
      'migration 100 in flight',
      () => ws.events(runId).some((e) => revisionOf(e) === '099_prevention_records') && inflight(ws, runId),
      60_000,
    ); // prettier-ignore
      const waiting = await adminQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'CREATE INDEX CONCURRENTLY%'`,
        [inDoubt.name],
      );
      expect(waiting.rows[0]!.n).toBe(1);
      p.child.kill('SIGKILL');
      expect((await p.done).signal).toBe('SIGKILL');
      // The orphaned server session now finishes the index on its own: its effect is real but
      // unrecorded, which is exactly what "in doubt" means.
      await blocker.query('ROLLBACK');
      await blocker.end();
      await until('the orphaned CREATE INDEX to end', async () => {
        const { rows } = await adminQuery<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2`,
          [inDoubt.name, role.name],
        );
        return rows[0]!.n === 0;
      });
      const resumed = await ws.cli([...resumeArgs(), '--json']);
      expect(resumed.code, resumed.stderr).toBe(1);
      expect(recordedFailure(ws.runsDir, runId)?.code).toBe('MIGRATION_IN_DOUBT');
      expect(resumed.stderr).toContain('100_aos_traces_status_index_concurrently');
      const inspect = await ws.cli(['inspect', runId]);
      expect(inspect.stdout).toContain('MIGRATION_IN_DOUBT');
      expect(inspect.stdout).toContain(`runbook resume ${runId} --retry`);
      const retried = await ws.cli([...resumeArgs(), '--retry']);
      expect(retried.code, retried.stderr).toBe(0);
      expect(ws.events(runId).some((e) => e.type === 'migration.retry')).toBe(true);
      await expectFinalState(ws, inDoubt);
    },
  );
});

function revisionOf(e: { type: string; data: unknown }): string | undefined {
  return e.type === 'migration.applied' ? (e.data as { revision?: string }).revision : undefined;
}

function inflight(ws: ProofWorkspace, runId: string): boolean {
  const text = readFileSync(path.join(ws.runsDir, runId, 'snapshot.json'), 'utf8');
  return text.includes('"inflight"') && text.includes('100_aos_traces_status_index_concurrently');
}

/** Every revision of nova/after, from its files' names (one migration per file). */
async function versionHistory(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
}

/** Polls an async condition every 50 ms. */
async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

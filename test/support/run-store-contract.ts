import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, RefusalError } from '../../src/errors.js';
import { firstLogLine } from '../../src/runs/event-log.js';
import { GENESIS_HASH } from '../../src/runs/event-hash.js';
import type { LockInfo, RunRecord, RunStore, SnapshotFile } from '../../src/runs/run-store.js';
import { SecretLeakError } from '../../src/runs/secret-guard.js';
import { verifyEventLogText } from '../../src/runs/verify-event-log.js';

/** A fresh, empty store and what the suite needs to reach past the contract. */
export interface RunStoreHarness {
  store: RunStore;
  /** Damages the stored record of run `id` so that it no longer parses. */
  corruptRecord(id: string): Promise<void>;
  /** Stores a lock on run `id` as the process described by `holder` would have taken it. */
  placeLock(id: string, holder: LockInfo): Promise<void>;
  /** Removes whatever the store left behind. */
  dispose(): Promise<void>;
}

const SECRET_URL = 'postgres://app:hunter2@db.example.com/nova';

/** A valid run record of run `id`. */
export function contractRecord(
  id: string,
  startedAt: string,
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    format: 1,
    id,
    procedure: id.replace(/-\d{8}T.*$/, ''),
    procedureFile: 'procedures/x.yaml',
    procedureHash: 'ab'.repeat(32),
    params: { database: 'nova', url: 'postgres://app:***@localhost/nova' },
    target: { host: 'localhost', port: 5432, database: 'nova', user: 'app' },
    status: 'running',
    startedAt,
    updatedAt: startedAt,
    attempts: 1,
    xstateVersion: '5.0.0',
    ...extra,
  };
}

const snapshot = (extra: Partial<SnapshotFile> = {}): SnapshotFile => ({
  format: 1,
  procedureHash: 'ab'.repeat(32),
  xstateVersion: '5.0.0',
  savedAt: '2025-01-01T00:00:00.000Z',
  snapshot: { value: { migrate: 'running' }, context: { n: 1 }, status: 'active' },
  progress: { migrate: { applied: ['001', '002'] } },
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function expectInvalid(p: Promise<unknown>, message: RegExp): Promise<InvalidInputError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as Error).message).toMatch(message);
  return err as InvalidInputError;
}

/** The pid of a process that has exited (no process has it now, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child.pid;
}

/**
 * Registers the RunStore contract tests (docs/design.md "Run directory") for the store `make`
 * builds: every implementation of {@link RunStore} runs the same suite.
 */
export function describeRunStoreContract(name: string, make: () => Promise<RunStoreHarness>): void {
  describe(`RunStore contract: ${name}`, () => {
    let h: RunStoreHarness;
    let store: RunStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.dispose();
    });

    describeRecords(() => store);
    describeListing(() => ({ store, h }));
    describeEventLog(() => store);
    describeArtifacts(() => store);
    describeLocks(() => ({ store, h }));
    describeSecrets(() => store);
  });
}

function describeRecords(get: () => RunStore): void {
  it('creates a run and round-trips its record and checkpoint', async () => {
    const store = get();
    const id = 'demo-20250101T000000Z-0a0a';
    const rec = contractRecord(id, '2025-01-01T00:00:00.000Z');
    await store.create(rec);
    expect(await store.readRecord(id)).toEqual(rec);
    await expect(store.create(rec)).rejects.toThrow(/already exists/);
    const failed: RunRecord = {
      ...rec,
      status: 'failed',
      currentStep: 'migrate',
      failure: { step: 'migrate', code: '42P01', message: 'no such relation', at: rec.startedAt },
    };
    await store.writeRecord(failed);
    expect(await store.readRecord(id)).toEqual(failed);
    await store.writeRecord({ ...failed, attempts: 2 }, { durable: false });
    expect((await store.readRecord(id)).attempts).toBe(2);

    expect(await store.readSnapshot(id)).toBeUndefined();
    expect(await store.readStoredText(id, 'snapshot')).toBeUndefined();
    await store.writeSnapshot(id, snapshot());
    expect(await store.readSnapshot(id)).toEqual(snapshot());
    await store.writeSnapshot(id, snapshot({ savedAt: 'later' }), { durable: false });
    expect((await store.readSnapshot(id))?.savedAt).toBe('later');
    // syncSnapshot makes that write durable without changing it.
    await store.syncSnapshot(id);
    expect((await store.readSnapshot(id))?.savedAt).toBe('later');
    expect(JSON.parse((await store.readStoredText(id, 'snapshot')) ?? '')).toEqual(
      snapshot({ savedAt: 'later' }),
    );
    expect(JSON.parse((await store.readStoredText(id, 'record')) ?? '')).toMatchObject({
      id,
      attempts: 2,
    });
  });

  it('refuses an unknown run, a bad run id and a record that does not parse', async () => {
    const store = get();
    const unknown = 'nope-20250101T000000Z-0000';
    await expectInvalid(store.readRecord(unknown), /no run matches/);
    await expectInvalid(store.writeRecord(contractRecord(unknown, 'x')), /no run/);
    await expectInvalid(store.writeSnapshot(unknown, snapshot()), /no run/);
    await expectInvalid(store.writeArtifact(unknown, 'a.txt', 'x'), /no run/);
    await expectInvalid(store.readRecord('../etc'), /not a valid run id/);
    expect(await store.readStoredText(unknown, 'record')).toBeUndefined();
    expect(await store.readEventLog(unknown)).toBeUndefined();
  });

  it('creates a run with its first log line, procedure source and artifacts at once', async () => {
    const store = get();
    const id = 'init-20250101T000000Z-0b0b';
    const line = firstLogLine('run.started', { procedure: 'init' }, new Date(0));
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'), {
      eventLog: line,
      procedure: 'procedure: init\n',
      artifacts: { 'notes.txt': 'hello\n' },
    });
    expect(await store.readEventLog(id)).toBe(line);
    expect(await store.readProcedureSource(id)).toBe('procedure: init\n');
    expect(await store.readArtifact(id, 'notes.txt')).toBe('hello\n');
    expect(await store.readProcedureSource(id, 'cd'.repeat(32))).toBeUndefined();
    await store.saveProcedureSource(id, 'procedure: init\n# changed\n', 'cd'.repeat(32));
    expect(await store.readProcedureSource(id, 'cd'.repeat(32))).toBe(
      'procedure: init\n# changed\n',
    );
    expect(await store.readProcedureSource(id)).toBe('procedure: init\n');
  });
}

function describeListing(get: () => { store: RunStore; h: RunStoreHarness }): void {
  async function seed(store: RunStore): Promise<void> {
    await store.create(contractRecord('alpha-20250101T000000Z-aaaa', '2025-01-01T00:00:00.000Z'));
    await store.create(contractRecord('alpha-20250101T000000Z-aabb', '2025-01-01T00:00:00.500Z'));
    await store.create(
      contractRecord('beta-20250301T000000Z-0001', '2025-03-01T00:00:00.000Z', {
        status: 'failed',
      }),
    );
    await store.create(
      contractRecord('gamma-20250201T000000Z-0002', '2025-02-01T00:00:00.000Z', {
        status: 'succeeded',
      }),
    );
  }

  it('lists runs newest first, a run whose record does not parse as corrupt', async () => {
    const { store, h } = get();
    expect(await store.list()).toEqual([]);
    expect(await store.ids()).toEqual([]);
    await seed(store);
    await store.create(contractRecord('eps-20240101T000000Z-0004', '2024-01-01T00:00:00.000Z'));
    await h.corruptRecord('eps-20240101T000000Z-0004');
    const rows = await store.list();
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['beta-20250301T000000Z-0001', 'failed'],
      ['gamma-20250201T000000Z-0002', 'succeeded'],
      ['alpha-20250101T000000Z-aabb', 'running'],
      ['alpha-20250101T000000Z-aaaa', 'running'],
      ['eps-20240101T000000Z-0004', 'corrupt'],
    ]);
    const eps = rows[4];
    expect(eps?.status === 'corrupt' && eps.problem).toBeTruthy();
    // ids(): the same runs, a corrupt one included, in no promised order.
    expect((await store.ids()).sort()).toEqual(rows.map((r) => r.id).sort());
    const beta = rows[0];
    expect(beta?.status !== 'corrupt' && beta?.record.id).toBe('beta-20250301T000000Z-0001');
    await expectInvalid(store.readRecord('eps-20240101T000000Z-0004'), /./);
  });

  it('resolves an exact id, a unique prefix and last; refuses unknown and ambiguous', async () => {
    const { store } = get();
    await expectInvalid(store.resolve('last'), /no runs/);
    await seed(store);
    expect(await store.resolve('alpha-20250101T000000Z-aaaa')).toBe('alpha-20250101T000000Z-aaaa');
    expect(await store.resolve('beta')).toBe('beta-20250301T000000Z-0001');
    expect(await store.resolve('alpha-20250101T000000Z-aab')).toBe('alpha-20250101T000000Z-aabb');
    expect(await store.resolve('last')).toBe('beta-20250301T000000Z-0001');
    await expectInvalid(store.resolve('zeta'), /^no run matches 'zeta'$/);
    await expectInvalid(store.resolve(''), /no run matches/);
    const err = await expectInvalid(store.resolve('alpha'), /'alpha' matches 2 runs/);
    expect(err.message).toContain('alpha-20250101T000000Z-aaaa, alpha-20250101T000000Z-aabb');
  });
}

function describeEventLog(get: () => RunStore): void {
  it('appends hash-chained lines that verify, continuing the chain when reopened', async () => {
    const store = get();
    const id = 'log-20250101T000000Z-0c0c';
    const first = firstLogLine('run.started', { procedure: 'log' });
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'), { eventLog: first });
    const log = await store.openEventLog(id, { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(log.lastSeq).toBe(1);
    const a = await log.append('step.started', 'migrate', { attempt: 1 });
    const b = await log.append(
      'migration.applied',
      'migrate',
      { revision: '001' },
      { durable: false },
    );
    expect([a.seq, b.seq]).toEqual([2, 3]);
    expect(b.prev_hash).toBe(a.hash);
    expect(a.time).toBe('2030-01-01T00:00:00.000Z');
    expect([log.lastSeq, log.lastHash]).toEqual([3, b.hash]);
    await log.close();
    await log.close();

    const text = (await store.readEventLog(id)) ?? '';
    expect(text.startsWith(first)).toBe(true);
    const verified = verifyEventLogText(text);
    expect(verified.ok).toBe(true);
    expect(verified.entries.map((e) => [e.seq, e.type, e.step])).toEqual([
      [1, 'run.started', null],
      [2, 'step.started', 'migrate'],
      [3, 'migration.applied', 'migrate'],
    ]);
    expect(verified.entries[2]).toEqual(b);

    const again = await store.openEventLog(id);
    expect([again.lastSeq, again.lastHash]).toEqual([3, b.hash]);
    await again.append('run.succeeded', null);
    await again.close();
    const after = verifyEventLogText((await store.readEventLog(id)) ?? '');
    expect(after.ok && after.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('starts an empty chain for a run created without a log; refuses an unknown run', async () => {
    const store = get();
    const id = 'bare-20250101T000000Z-0d0d';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    expect(await store.readEventLog(id)).toBeUndefined();
    const log = await store.openEventLog(id);
    expect([log.lastSeq, log.lastHash]).toEqual([0, GENESIS_HASH]);
    const e = await log.append('run.started', null, { n: 1 });
    await log.close();
    expect([e.seq, e.prev_hash]).toEqual([1, GENESIS_HASH]);
    expect(verifyEventLogText((await store.readEventLog(id)) ?? '').ok).toBe(true);
    await expectInvalid(store.openEventLog('nope-20250101T000000Z-0000'), /no run/);
  });
}

function describeArtifacts(get: () => RunStore): void {
  it('writes, reads and lists artifacts, sub-folders included', async () => {
    const store = get();
    const id = 'art-20250101T000000Z-0e0e';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    expect(await store.listArtifacts(id)).toEqual([]);
    await store.writeArtifact(id, 'catalog/before.json', '{"tables":3}');
    await store.writeArtifact(id, 'summary.txt', 'one\n');
    await store.writeArtifact(id, 'summary.txt', 'two\n', { durable: false });
    await store.writeArtifact(id, 'bytes.bin', Buffer.from('héllo', 'utf8'));
    expect(await store.readArtifact(id, 'catalog/before.json')).toBe('{"tables":3}');
    expect(await store.findArtifact(id, 'summary.txt')).toBe('two\n');
    expect(await store.readArtifact(id, 'bytes.bin')).toBe('héllo');
    expect(await store.listArtifacts(id)).toEqual([
      'bytes.bin',
      'catalog/before.json',
      'summary.txt',
    ]);
    expect(typeof store.location(id)).toBe('string');
    expect(store.location(id, 'summary.txt')).toContain('summary.txt');
  });

  it('says when an artifact is missing and refuses a name that leaves the run', async () => {
    const store = get();
    const id = 'miss-20250101T000000Z-0f0f';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    await expectInvalid(store.readArtifact(id, 'nope.md'), /no artifact 'nope.md'/);
    expect(await store.findArtifact(id, 'nope.md')).toBeUndefined();
    expect(await store.findArtifact(id, 'sub/nope.md')).toBeUndefined();
    for (const bad of ['', '../run.json', 'a/../../b', 'a//b', './x']) {
      await expectInvalid(store.writeArtifact(id, bad, 'x'), /not a valid artifact name/);
      await expectInvalid(store.findArtifact(id, bad), /not a valid artifact name/);
    }
    expect(await store.listArtifacts(id)).toEqual([]);
  });
}

function describeLocks(get: () => { store: RunStore; h: RunStoreHarness }): void {
  it('takes a run lock once; a second taker is refused with RUN_LOCKED until release', async () => {
    const { store } = get();
    const id = 'lock-20250101T000000Z-1a1a';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    expect(await store.lockHolder(id)).toBeUndefined();
    const lock = await store.acquireLock(id, { command: 'runbook run lock' });
    expect(lock.info).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(lock.recoveredStale).toBeUndefined();
    expect(await store.lockHolder(id)).toEqual(lock.info);
    const err = await rejection(store.acquireLock(id, { command: 'runbook resume lock' }));
    expect(err).toBeInstanceOf(RefusalError);
    expect((err as RefusalError).code).toBe('RUN_LOCKED');
    await lock.release();
    await lock.release();
    expect(await store.lockHolder(id)).toBeUndefined();
    const again = await store.acquireLock(id, { command: 'runbook resume lock' });
    await again.release();
    await expectInvalid(
      store.acquireLock('nope-20250101T000000Z-0000', { command: 'x' }),
      /no run/,
    );
  });

  it('takes over a stale lock (its holder died) and says whose it was', async () => {
    const { store, h } = get();
    const id = 'stale-20250101T000000Z-1b1b';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    const holder = { pid: deadPid(), host: os.hostname(), command: 'runbook run', since: 'then' };
    await h.placeLock(id, holder);
    expect(await store.lockHolder(id)).toBeUndefined();
    const lock = await store.acquireLock(id, { command: 'runbook resume stale' });
    expect(lock.recoveredStale).toEqual({ pid: holder.pid, since: 'then' });
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
  });

  it('breaks a lock held from another host only when told to', async () => {
    const { store, h } = get();
    const id = 'break-20250101T000000Z-1c1c';
    await store.create(contractRecord(id, '2025-01-01T00:00:00.000Z'));
    const holder = { pid: 4242, host: 'elsewhere.invalid', command: 'runbook run', since: 'then' };
    await h.placeLock(id, holder);
    const err = await rejection(store.acquireLock(id, { command: 'runbook resume' }));
    expect(err).toBeInstanceOf(RefusalError);
    expect((err as RefusalError).code).toBe('RUN_LOCKED');
    expect((err as Error).message).toContain('--break-lock');
    const lock = await store.acquireLock(id, { command: 'runbook resume', breakLock: true });
    expect(lock.broken).toEqual(holder);
    await lock.release();
  });
}

function describeSecrets(get: () => RunStore): void {
  it('refuses to store a clear-text password anywhere, leaving what was there', async () => {
    const store = get();
    const leaked = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(SecretLeakError);
    const sec2 = 'sec2-20250101T000000Z-0000';
    await leaked(store.create(contractRecord(sec2, 'x', { params: { url: SECRET_URL } })));
    await leaked(
      store.create(contractRecord(sec2, 'x'), { eventLog: `{"url":"${SECRET_URL}"}\n` }),
    );
    await leaked(store.create(contractRecord(sec2, 'x'), { procedure: `# ${SECRET_URL}\n` }));
    await expectInvalid(store.readRecord(sec2), /no run matches/);

    const id = 'sec-20250101T000000Z-0000';
    const rec = contractRecord(id, '2025-01-01T00:00:00.000Z');
    await store.create(rec);
    const err = await rejection(store.writeRecord({ ...rec, params: { url: SECRET_URL } }));
    expect(err).toBeInstanceOf(SecretLeakError);
    expect((err as Error).message).not.toContain('hunter2');
    expect(await store.readRecord(id)).toEqual(rec);
    await leaked(store.writeArtifact(id, 'log.txt', `connecting to ${SECRET_URL}`));
    await leaked(store.writeArtifact(id, 'log.bin', Buffer.from(`url=${SECRET_URL}`)));
    await leaked(store.saveProcedureSource(id, `# ${SECRET_URL}\n`, 'ef'.repeat(32)));
    await leaked(store.writeSnapshot(id, snapshot({ snapshot: { context: { url: SECRET_URL } } })));
    expect(await store.readSnapshot(id)).toBeUndefined();
    expect(await store.listArtifacts(id)).toEqual([]);
    const log = await store.openEventLog(id);
    await leaked(log.append('shell.output', 'x', { line: SECRET_URL }));
    await log.close();
    expect((await store.readEventLog(id)) ?? '').toBe('');
  });
}

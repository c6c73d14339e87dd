import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefusalError } from '../src/errors.js';
import { FileRunStore } from '../src/runs/file-run-store.js';
import type { RunRecord } from '../src/runs/run-store.js';

const ID = 'demo-20250101T000000Z-abcd';
let dir: string;
let store: FileRunStore;
let children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'runbook-lock-'));
  store = new FileRunStore(path.join(dir, 'runs'));
  const rec: RunRecord = {
    format: 1,
    id: ID,
    procedure: 'demo',
    procedureFile: 'procedures/demo.yaml',
    procedureHash: 'h',
    params: {},
    target: { host: 'localhost', port: 5432, database: 'd', user: 'u' },
    status: 'running',
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    attempts: 1,
    xstateVersion: '5',
  };
  await store.create(rec);
});
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

function lockFile(): string {
  return path.join(store.dir, ID, 'lock');
}

function writeForeignLock(pid: number, host = os.hostname()): void {
  const since = '2025-01-01T00:00:00.000Z';
  writeFileSync(lockFile(), JSON.stringify({ pid, host, command: 'runbook run demo', since }));
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  expect(r.status).toBe(0);
  expect(r.pid).toBeGreaterThan(0);
  return r.pid as number;
}

async function refusal(p: Promise<unknown>): Promise<RefusalError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RefusalError);
  expect((err as RefusalError).exitCode).toBe(3);
  expect((err as RefusalError).code).toBe('RUN_LOCKED');
  return err as RefusalError;
}

describe('run lock', () => {
  it('writes { pid, host, command, since } and refuses a second acquire naming the holder', async () => {
    const lock = await store.acquireLock(ID, { command: 'runbook run demo' });
    expect(lock.recoveredStale).toBeUndefined();
    const onDisk = JSON.parse(readFileSync(lockFile(), 'utf8'));
    expect(onDisk).toEqual({
      pid: process.pid,
      host: os.hostname(),
      command: 'runbook run demo',
      since: lock.info.since,
    });
    const err = await refusal(store.acquireLock(ID, { command: 'runbook resume demo' }));
    expect(err.message).toBe(
      `run ${ID} is being driven by pid ${process.pid} (runbook run demo) since ${lock.info.since}; ` +
        `if that process is gone (its pid reused, or its host down), take the lock with \`runbook resume ${ID} --break-lock\` (recorded in the log with who and when)`,
    );
    expect(err.detail).toMatchObject({ pid: process.pid });
    // The refused attempt left the holder's lock alone.
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual(onDisk);

    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
    const again = await store.acquireLock(ID, { command: 'runbook resume demo' });
    await again.release();
    expect(readdirSync(path.join(store.dir, ID)).sort()).toEqual(['artifacts', 'run.json']);
  });

  it('refuses while another live process holds the lock', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    children.push(holder);
    expect(holder.pid).toBeGreaterThan(0);
    writeForeignLock(holder.pid as number);
    const err = await refusal(store.acquireLock(ID, { command: 'runbook resume demo' }));
    expect(err.message).toContain(`pid ${holder.pid} (runbook run demo)`);
    expect(existsSync(lockFile())).toBe(true);
  });

  it('refuses a lock held from another host (its pid cannot be checked here)', async () => {
    writeForeignLock(deadPid(), 'some-other-host.example');
    const err = await refusal(store.acquireLock(ID, { command: 'x' }));
    expect(err.message).toContain('on host some-other-host.example');
  });

  it('recovers a stale lock whose pid is dead and reports whose it was', async () => {
    const pid = deadPid();
    writeForeignLock(pid);
    const lock = await store.acquireLock(ID, { command: 'runbook resume demo' });
    expect(lock.recoveredStale).toEqual({ pid, since: '2025-01-01T00:00:00.000Z' });
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('recovers a half-written (unreadable) lock file', async () => {
    writeFileSync(lockFile(), '{"pid":12');
    const lock = await store.acquireLock(ID, { command: 'runbook resume demo' });
    expect(lock.recoveredStale).toEqual({ pid: null, since: null });
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('release removes the lock only while it is ours', async () => {
    const lock = await store.acquireLock(ID, { command: 'a' });
    await lock.release();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    children.push(holder);
    writeForeignLock(holder.pid as number);
    await lock.release();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(holder.pid);
  });

  it('taking the lock sweeps temp files a killed writer left behind, and nothing else', async () => {
    const runDir = path.dirname(lockFile());
    writeFileSync(path.join(runDir, '.snapshot.json.tmp-4242-deadbeef'), '{"half":');
    writeFileSync(path.join(runDir, 'notes.tmp-1-aa'), 'kept: not one of ours');
    const lock = await store.acquireLock(ID, { command: 'runbook resume demo' });
    const names = readdirSync(runDir);
    expect(names).not.toContain('.snapshot.json.tmp-4242-deadbeef');
    expect(names).toContain('notes.tmp-1-aa');
    expect(names).toContain('run.json');
    await lock.release();
  });
});

describe('lock file content', () => {
  it('never holds a password from the command line', async () => {
    const lock = await store.acquireLock(ID, {
      command: 'runbook run demo --database-url postgresql://u:LockS3cret@db.local/postgres',
    });
    const text = readFileSync(lockFile(), 'utf8');
    expect(text).not.toContain('LockS3cret');
    expect(JSON.parse(text).command).toContain('postgresql://u:***@db.local/postgres');
    await lock.release();
  });
});

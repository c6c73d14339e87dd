import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, RefusalError } from '../src/errors.js';
import { firstLogLine } from '../src/runs/event-log.js';
import { openRunStore, type RunStoreSpec } from '../src/runs/open-run-store.js';
import { PgRunStore } from '../src/runs/pg-run-store.js';
import { storeMigrations } from '../src/runs/pg-store-schema.js';
import { createRunId } from '../src/runs/run-id.js';
import type { RunRecord } from '../src/runs/run-store.js';
import { SecretLeakError } from '../src/runs/secret-guard.js';
import { verifyEventLogText } from '../src/runs/verify-event-log.js';
import { REPO } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
const stores: PgRunStore[] = [];

function open(): PgRunStore {
  const s = new PgRunStore(db.url);
  stores.push(s);
  return s;
}

beforeAll(async () => {
  db = await createTestDatabase('pg_store');
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await db.drop();
});

function record(id: string, extra: Partial<RunRecord> = {}): RunRecord {
  const at = new Date().toISOString();
  return {
    format: 1,
    id,
    procedure: 'demo',
    procedureFile: 'procedures/demo.yaml',
    procedureHash: 'sha256:abc',
    params: { database: 'nova' },
    target: { host: 'localhost', port: 5432, database: 'nova', user: 'app' },
    status: 'running',
    startedAt: at,
    updatedAt: at,
    attempts: 1,
    xstateVersion: '5.0.0',
    ...extra,
  };
}

describe('PgRunStore schema', () => {
  it('is created by concurrent first uses exactly once, under its advisory lock', async () => {
    const fresh = await Promise.all([open(), open(), open()].map((s) => s.list()));
    expect(fresh).toEqual([[], [], []]);
    const { rows } = await db.query<{ version: number; name: string }>(
      'SELECT version, name FROM runbook.store_version ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(storeMigrations().map((m) => m.version));
    expect(rows[0]?.name).toBe('runs');
  });

  it('refuses a schema newer than this runbook knows', async () => {
    const latest = storeMigrations().length;
    await db.query('INSERT INTO runbook.store_version (version, name) VALUES ($1, $2)', [
      latest + 1,
      'future',
    ]);
    try {
      await expect(open().list()).rejects.toThrow(/newer than this runbook knows/);
    } finally {
      await db.query('DELETE FROM runbook.store_version WHERE version = $1', [latest + 1]);
    }
  });
});

describe('PgRunStore event log', () => {
  it('stores lines verbatim, in order, and continues the chain after reopening', async () => {
    const store = open();
    const id = createRunId('demo');
    await store.create(record(id), {
      eventLog: firstLogLine('run.started', { procedure: 'demo' }),
      procedure: 'name: demo\n',
    });
    const log = await store.openEventLog(id);
    await log.append('step.started', 'a', { n: 1 });
    await log.append('migration.applied', 'a', { rev: '001' }, { durable: false });
    await log.close();
    const again = await open().openEventLog(id);
    expect(again.lastSeq).toBe(3);
    await again.append('step.succeeded', 'a', { ü: 'ß', nested: { z: 1, a: [1, 2] } });
    await again.close();
    const text = (await store.readEventLog(id))!;
    const verified = verifyEventLogText(text);
    expect(verified.ok).toBe(true);
    expect(verified.entries.map((e) => e.type)).toEqual([
      'run.started',
      'step.started',
      'migration.applied',
      'step.succeeded',
    ]);
    const { rows } = await db.query<{ line: string }>(
      'SELECT line FROM runbook.events WHERE run_id = $1 ORDER BY seq',
      [id],
    );
    expect(rows.map((r) => `${r.line}\n`).join('')).toBe(text);
    expect(await store.readProcedureSource(id)).toBe('name: demo\n');
  });

  it('refuses a line that does not follow the stored log (a second writer)', async () => {
    const store = open();
    const id = createRunId('demo');
    await store.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const a = await store.openEventLog(id);
    const b = await store.openEventLog(id);
    await a.append('step.started', 'x');
    await expect(b.append('step.started', 'y')).rejects.toThrow(/does not follow/);
    await expect(b.append('step.started', 'z')).rejects.toThrow(/does not follow/);
    expect(verifyEventLogText((await store.readEventLog(id))!).ok).toBe(true);
  });

  it('refuses a password anywhere, writing nothing', async () => {
    const store = open();
    const id = createRunId('demo');
    const leak = 'postgres://app:hunter2@db/x';
    await expect(store.create(record(id, { params: { url: leak } }))).rejects.toBeInstanceOf(
      SecretLeakError,
    );
    await expect(store.resolve(id)).rejects.toThrow(/no run matches/);
    await store.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const log = await store.openEventLog(id);
    await expect(log.append('x', null, { leak })).rejects.toBeInstanceOf(SecretLeakError);
    await expect(store.writeArtifact(id, 'a.txt', leak)).rejects.toBeInstanceOf(SecretLeakError);
    const { rows } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM runbook.events WHERE line LIKE '%hunter2%')
            + (SELECT count(*) FROM runbook.runs WHERE record LIKE '%hunter2%')
            + (SELECT count(*) FROM runbook.artifacts WHERE position('hunter2' in convert_from(content, 'UTF8')) > 0) AS n`,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });
});

/** A child process that takes run `id`'s lock through the built store and prints READY. */
function lockHolderChild(url: string, id: string): Promise<{ kill: () => void }> {
  const script = `
    import { PgRunStore } from ${JSON.stringify(path.join(REPO, 'dist', 'runs', 'pg-run-store.js'))};
    const store = new PgRunStore(process.env.STORE_URL);
    await store.acquireLock(process.env.RUN_ID, { command: 'runbook resume ' + process.env.RUN_ID });
    process.stdout.write('READY\\n');
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, STORE_URL: url, RUN_ID: id },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('READY')) resolve({ kill: () => child.kill('SIGKILL') });
    });
  });
}

describe('PgRunStore locks', () => {
  it('refuses a second holder naming the first, and frees the lock when released', async () => {
    const store = open();
    const id = createRunId('demo');
    await store.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const lock = await store.acquireLock(id, { command: 'runbook run demo' });
    expect(await open().lockHolder(id)).toMatchObject({
      pid: process.pid,
      command: 'runbook run demo',
    });
    const refused = await open()
      .acquireLock(id, { command: 'runbook resume x' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusalError);
    expect((refused as RefusalError).code).toBe('RUN_LOCKED');
    expect((refused as Error).message).toMatch(/runbook run demo/);
    await lock.release();
    await lock.release();
    expect(await store.lockHolder(id)).toBeUndefined();
    const again = await open().acquireLock(id, { command: 'runbook resume x' });
    expect(again.recoveredStale).toBeUndefined();
    await again.release();
  });

  it('a SIGKILLed holder frees the lock; the next taker reports the stale holder', async () => {
    const store = open();
    const id = createRunId('demo');
    await store.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const child = await lockHolderChild(db.url, id);
    const holder = await store.lockHolder(id);
    expect(holder?.command).toBe(`runbook resume ${id}`);
    await expect(store.acquireLock(id, { command: 'runbook resume' })).rejects.toThrow(
      /being driven by pid/,
    );
    child.kill();
    const until = Date.now() + 10_000;
    while ((await store.lockHolder(id)) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    const lock = await store.acquireLock(id, { command: 'runbook resume' });
    expect(lock.recoveredStale?.pid).toBe(holder?.pid);
    await lock.release();
  });

  it('--break-lock ends the session of a holder vouched gone, and that holder writes nothing more', async () => {
    const holderStore = open();
    const id = createRunId('demo');
    await holderStore.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const log = await holderStore.openEventLog(id);
    // Pretend the holder runs on a host that is down: its liveness cannot be checked from here.
    const held = await holderStore.acquireLock(id, { command: 'runbook run demo' });
    await db.query(`UPDATE runbook.run_locks SET host = 'gone-host' WHERE run_id = $1`, [id]);
    const lock = await open().acquireLock(id, {
      command: 'runbook resume --break-lock',
      breakLock: true,
    });
    expect(lock.broken).toMatchObject({ host: 'gone-host', command: 'runbook run demo' });
    await new Promise((r) => setTimeout(r, 200));
    await expect(log.append('step.started', 'late')).rejects.toThrow(/lost the run's lock/);
    await expect(holderStore.writeRecord(record(id))).rejects.toThrow(/lost the run's lock/);
    await held.release();
    await lock.release();
  });

  it('--break-lock never takes the lock of a live runbook process on this host', async () => {
    const store = open();
    const id = createRunId('demo');
    await store.create(record(id), { eventLog: firstLogLine('run.started', {}) });
    const held = await store.acquireLock(id, { command: 'runbook run demo' });
    await expect(
      open().acquireLock(id, { command: 'runbook resume --break-lock', breakLock: true }),
    ).rejects.toThrow(/never takes the lock of a live run/);
    await held.release();
  });
});

describe('openRunStore', () => {
  const dir = path.join(os.tmpdir(), `runbook-open-store-${process.pid}`);

  it('takes --store, else RUNBOOK_STORE, else the configuration file, else --runs-dir', async () => {
    const url = db.url;
    const pick = (spec: Partial<RunStoreSpec>, env: NodeJS.ProcessEnv = {}) =>
      openRunStore({ runsDir: dir, env, ...spec }, 'read');
    const flag = pick({ store: url, configStore: path.join(dir, 'c') }, { RUNBOOK_STORE: dir });
    expect(flag.kind).toBe('postgres');
    expect(await flag.store.list()).toEqual(expect.any(Array));
    await flag.close();
    expect(pick({ configStore: url }, { RUNBOOK_STORE: path.join(dir, 'e') }).shown).toBe(
      path.join(dir, 'e'),
    );
    const fromConfig = pick({ configStore: url }, { RUNBOOK_STORE: '' });
    expect(fromConfig.kind).toBe('postgres');
    await fromConfig.close();
    expect(pick({}).shown).toBe(path.resolve(dir));
  });

  it('refuses an empty --store and a URL that does not parse, never showing its password', () => {
    expect(() => openRunStore({ store: ' ', runsDir: dir }, 'read')).toThrow(InvalidInputError);
    const bad = () => openRunStore({ store: 'postgres://u:pa/ss@host/db', runsDir: dir }, 'read');
    expect(bad).toThrow(InvalidInputError);
    expect(bad).toThrow(/--store: not a valid URL: postgres:\/\/u:\*\*\*@host\/db/);
    expect(bad).not.toThrow(/pa\/ss/);
  });
});

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  readdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { FileRunStore } from '../src/runs/file-run-store.js';
import { createRunId, runIdTime } from '../src/runs/run-id.js';
import type { RunRecord, SnapshotFile } from '../src/runs/run-store.js';
import { containsSecret, SecretLeakError } from '../src/runs/secret-guard.js';

let dir: string;
let store: FileRunStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'runbook-runs-'));
  store = new FileRunStore(path.join(dir, 'runs'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function record(id: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    format: 1,
    id,
    procedure: id.replace(/-\d{8}T.*$/, ''),
    procedureFile: 'procedures/x.yaml',
    procedureHash: 'sha256:abc',
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

async function expectInvalid(p: Promise<unknown>, message: RegExp): Promise<InvalidInputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).exitCode).toBe(2);
  expect((err as Error).message).toMatch(message);
  return err as InvalidInputError;
}

describe('run ids', () => {
  it('are <procedure>-<UTC yyyymmddThhmmssZ>-<4 hex>', () => {
    const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
    const id = createRunId('local-equivalence', now);
    expect(id).toMatch(/^local-equivalence-20250102T030405Z-[0-9a-f]{4}$/);
    expect(runIdTime(id)?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
    const ids = new Set(Array.from({ length: 50 }, () => createRunId('p', now)));
    expect(ids.size).toBeGreaterThan(40);
  });

  it('refuse a procedure name that is not a safe path component', () => {
    expect(() => createRunId('../etc')).toThrow(/cannot be used/);
    expect(() => createRunId('a/b')).toThrow(/cannot be used/);
  });
});

describe('FileRunStore records, snapshots and artifacts', () => {
  it('creates a run directory with run.json and artifacts/, and round-trips writes', async () => {
    const id = createRunId('demo');
    const rec = record(id, '2025-01-01T00:00:00.000Z');
    await store.create(rec);
    const runDir = path.join(store.dir, id);
    expect(readdirSync(runDir).sort()).toEqual(['artifacts', 'run.json']);
    expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'))).toEqual(rec);
    expect(await store.readRecord(id)).toEqual(rec);
    await expect(store.create(rec)).rejects.toThrow(/already exists/);

    const failed: RunRecord = {
      ...rec,
      status: 'failed',
      currentStep: 'migrate',
      failure: {
        step: 'migrate',
        code: '42P01',
        message: 'relation "runs" does not exist',
        at: rec.startedAt,
      },
    };
    await store.writeRecord(failed);
    expect(await store.readRecord(id)).toEqual(failed);

    expect(await store.readSnapshot(id)).toBeUndefined();
    const snap: SnapshotFile = {
      format: 1,
      procedureHash: 'sha256:abc',
      xstateVersion: '5.0.0',
      savedAt: rec.startedAt,
      snapshot: { value: { migrate: 'failed' }, context: { n: 1 }, status: 'active' },
      progress: { migrate: { applied: ['001', '002'] } },
    };
    await store.writeSnapshot(id, snap);
    expect(await store.readSnapshot(id)).toEqual(snap);
    expect(JSON.parse(readFileSync(path.join(runDir, 'snapshot.json'), 'utf8'))).toEqual(snap);

    await store.writeArtifact(id, 'catalog/before.json', '{"tables":3}');
    expect(readFileSync(path.join(runDir, 'artifacts', 'catalog', 'before.json'), 'utf8')).toBe(
      '{"tables":3}',
    );
    expect(await store.readArtifact(id, 'catalog/before.json')).toBe('{"tables":3}');
    expect(store.location(id, 'x.md')).toBe(path.join(runDir, 'artifacts', 'x.md'));
    expect(store.location(id)).toBe(runDir);
    await expectInvalid(store.readArtifact(id, 'nope.md'), /no artifact 'nope.md'/);
    expect(() => store.location(id, '../run.json')).toThrow(InvalidInputError);
    // No stray temp files are left behind by atomic writes.
    expect(readdirSync(runDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reports an unknown run and a corrupt run.json as invalid input', async () => {
    await expectInvalid(store.readRecord('nope-20250101T000000Z-0000'), /no run matches/);
    await expectInvalid(store.writeRecord(record('nope-20250101T000000Z-0000', 'x')), /no run/);
    const id = 'bad-20250101T000000Z-0000';
    mkdirSync(path.join(store.dir, id), { recursive: true });
    writeFileSync(path.join(store.dir, id, 'run.json'), '{"format":1,"id":');
    await expectInvalid(store.readRecord(id), /not valid JSON/);
    writeFileSync(path.join(store.dir, id, 'run.json'), '{"format":1,"id":"bad"}');
    await expectInvalid(store.readRecord(id), /not a run record: procedure/);
    await expectInvalid(store.readRecord('../etc'), /not a valid run id/);
  });
});

describe('FileRunStore list and resolve', () => {
  async function seed(): Promise<void> {
    await store.create(record('alpha-20250101T000000Z-aaaa', '2025-01-01T00:00:00.000Z'));
    await store.create(record('alpha-20250101T000000Z-aabb', '2025-01-01T00:00:00.500Z'));
    await store.create(
      record('beta-20250301T000000Z-0001', '2025-03-01T00:00:00.000Z', { status: 'failed' }),
    );
    await store.create(
      record('gamma-20250201T000000Z-0002', '2025-02-01T00:00:00.000Z', { status: 'succeeded' }),
    );
  }

  it('lists newest first and reports half-written or corrupt dirs instead of throwing', async () => {
    expect(await store.list()).toEqual([]);
    await seed();
    // A half-created dir (no run.json) and a damaged run.json.
    mkdirSync(path.join(store.dir, 'delta-20250401T000000Z-0003'));
    mkdirSync(path.join(store.dir, 'eps-20240101T000000Z-0004'));
    writeFileSync(path.join(store.dir, 'eps-20240101T000000Z-0004', 'run.json'), '{"form');
    writeFileSync(path.join(store.dir, '.gitkeep'), '');
    const rows = await store.list();
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['delta-20250401T000000Z-0003', 'corrupt'],
      ['beta-20250301T000000Z-0001', 'failed'],
      ['gamma-20250201T000000Z-0002', 'succeeded'],
      ['alpha-20250101T000000Z-aabb', 'running'],
      ['alpha-20250101T000000Z-aaaa', 'running'],
      ['eps-20240101T000000Z-0004', 'corrupt'],
    ]);
    const corrupt = rows[0];
    expect(corrupt?.status === 'corrupt' && corrupt.problem).toMatch(/run\.json is missing/);
    const eps = rows[5];
    expect(eps?.status === 'corrupt' && eps.problem).toMatch(/not valid JSON/);
  });

  it('resolves an exact id, a unique prefix and last; refuses unknown and ambiguous', async () => {
    await expectInvalid(store.resolve('last'), /no runs in/);
    await seed();
    expect(await store.resolve('alpha-20250101T000000Z-aaaa')).toBe('alpha-20250101T000000Z-aaaa');
    expect(await store.resolve('beta')).toBe('beta-20250301T000000Z-0001');
    expect(await store.resolve('alpha-20250101T000000Z-aab')).toBe('alpha-20250101T000000Z-aabb');
    expect(await store.resolve('last')).toBe('beta-20250301T000000Z-0001');
    await expectInvalid(store.resolve('zeta'), /^no run matches 'zeta'$/);
    const err = await expectInvalid(store.resolve('alpha'), /'alpha' matches 2 runs/);
    expect(err.message).toContain('alpha-20250101T000000Z-aaaa, alpha-20250101T000000Z-aabb');
  });
});

describe('secret guard', () => {
  it('recognizes clear-text URL passwords but not redacted ones or ports', () => {
    expect(containsSecret('postgres://app:hunter2@db.example.com/nova')).toBe(true);
    expect(containsSecret('{"u":"postgresql://app:p%40ss@h:5432/x"}')).toBe(true);
    expect(containsSecret('host=x?sslmode=require&password=hunter2')).toBe(true);
    expect(containsSecret('postgres://app:***@db.example.com/nova')).toBe(false);
    expect(containsSecret('postgres://app@db.example.com:5432/nova')).toBe(false);
    expect(containsSecret('https://example.com:8080/path')).toBe(false);
    expect(containsSecret('?password=***')).toBe(false);
  });

  it('the store refuses to write any file holding a password, leaving the old content', async () => {
    const id = 'sec-20250101T000000Z-0000';
    const secret = 'postgres://app:hunter2@db.example.com/nova';
    await expect(
      store.create(record('sec2-20250101T000000Z-0000', 'x', { params: { url: secret } })),
    ).rejects.toBeInstanceOf(SecretLeakError);
    expect(existsSync(path.join(store.dir, 'sec2-20250101T000000Z-0000'))).toBe(false);

    await store.create(record(id, '2025-01-01T00:00:00.000Z'));
    const before = readFileSync(path.join(store.dir, id, 'run.json'), 'utf8');
    const err = await store
      .writeRecord(record(id, '2025-01-01T00:00:00.000Z', { params: { url: secret } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretLeakError);
    expect((err as Error).message).not.toContain('hunter2');
    expect(readFileSync(path.join(store.dir, id, 'run.json'), 'utf8')).toBe(before);

    await expect(store.writeArtifact(id, 'log.txt', `connecting to ${secret}`)).rejects.toThrow(
      SecretLeakError,
    );
    await expect(store.writeArtifact(id, 'log.bin', Buffer.from(`url=${secret}`))).rejects.toThrow(
      SecretLeakError,
    );
    await expect(
      store.writeSnapshot(id, {
        format: 1,
        procedureHash: 'h',
        xstateVersion: '5',
        savedAt: 'now',
        snapshot: { context: { url: secret } },
        progress: {},
      }),
    ).rejects.toThrow(SecretLeakError);
    expect(readdirSync(path.join(store.dir, id)).sort()).toEqual(['artifacts', 'run.json']);
    expect(readdirSync(path.join(store.dir, id, 'artifacts'))).toEqual([]);
  });
});

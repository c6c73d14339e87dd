import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog, type EventLogEntry } from '../src/runs/event-log.js';
import { readEventLog, verifyEventLog } from '../src/runs/verify-event-log.js';
import { TamperedLogError } from '../src/errors.js';
import { SecretLeakError } from '../src/runs/secret-guard.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'runbook-events-'));
  file = path.join(dir, 'run', 'events.jsonl');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a five-line log through the real EventLog. */
async function writeFive(): Promise<EventLogEntry[]> {
  const log = EventLog.open(file);
  const written = [
    await log.append('run.started', null, { procedure: 'demo', params: { db: 'nova' } }),
    await log.append('step.started', 'migrate', {}),
    await log.append('migration.applied', 'migrate', { revision: '065', ms: 12.5, ok: true }),
    await log.append('step.failed', 'migrate', {
      code: '42P01',
      message: 'relation "runs" does not exist',
      z: [3, { b: 1, a: null }],
    }),
    await log.append('run.failed', undefined),
  ];
  await log.close();
  return written;
}

function lines(): string[] {
  return readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

function writeLines(ls: string[]): void {
  writeFileSync(file, ls.map((l) => `${l}\n`).join(''));
}

function expectBad(line: number, reason: RegExp, validPrefix: number): void {
  const result = verifyEventLog(file);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.line).toBe(line);
  expect(result.reason).toMatch(reason);
  expect(result.entries).toHaveLength(validPrefix);
  const thrown = (() => {
    try {
      readEventLog(file);
    } catch (e) {
      return e;
    }
  })();
  expect(thrown).toBeInstanceOf(TamperedLogError);
  expect((thrown as TamperedLogError).line).toBe(line);
  expect((thrown as TamperedLogError).exitCode).toBe(4);
}

describe('EventLog', () => {
  it('writes exactly one chained entry object per line, verifiable independently', async () => {
    const written = await writeFive();
    const raw = lines();
    expect(raw).toHaveLength(5);
    const parsed = raw.map((l) => JSON.parse(l) as EventLogEntry);
    expect(parsed).toEqual(written);
    for (const entry of parsed) {
      expect(Object.keys(entry)).toEqual([
        'seq',
        'time',
        'type',
        'step',
        'data',
        'prev_hash',
        'hash',
      ]);
    }
    expect(parsed.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(parsed[0]?.prev_hash).toBe('0'.repeat(64));
    expect(parsed[4]).toMatchObject({ type: 'run.failed', step: null, data: null });
    // Recompute line 4's hash by hand: keys sorted recursively, no whitespace.
    const e4 = parsed[3] as EventLogEntry;
    expect(e4.prev_hash).toBe(parsed[2]?.hash);
    const canonical =
      `{"data":{"code":"42P01","message":"relation \\"runs\\" does not exist","z":[3,{"a":null,"b":1}]},` +
      `"seq":4,"step":"migrate","time":${JSON.stringify(e4.time)},"type":"step.failed"}`;
    expect(e4.hash).toBe(
      createHash('sha256')
        .update(e4.prev_hash + canonical)
        .digest('hex'),
    );

    const result = verifyEventLog(file);
    expect(result).toEqual({ ok: true, entries: written });
    expect(readEventLog(file)).toEqual(written);
  });

  it('continues seq and prev_hash when an existing log is reopened', async () => {
    const written = await writeFive();
    const log = EventLog.open(file, { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(log.lastSeq).toBe(5);
    expect(log.recovered).toBeUndefined();
    const next = log.appendSync('run.resumed', null, { attempt: 2 });
    await log.close();
    expect(next).toMatchObject({
      seq: 6,
      prev_hash: written[4]?.hash,
      time: '2030-01-01T00:00:00.000Z',
    });
    expect(verifyEventLog(file)).toMatchObject({ ok: true, entries: { length: 6 } });
  });

  it('refuses a line holding a clear-text password and writes nothing', async () => {
    const log = EventLog.open(file);
    log.appendSync('run.started', null, { url: 'postgres://app:***@localhost/nova' });
    expect(() =>
      log.appendSync('shell.output', 'bootstrap', {
        out: 'DATABASE_URL=postgres://app:hunter2@h/db',
      }),
    ).toThrow(SecretLeakError);
    await expect(log.append('x', null, { u: 'postgresql://a:b@c/d' })).rejects.toThrow(
      SecretLeakError,
    );
    const after = log.appendSync('run.failed', null);
    await log.close();
    expect(after.seq).toBe(2);
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(verifyEventLog(file)).toMatchObject({ ok: true, entries: { length: 2 } });
  });
});

describe('verifyEventLog detects tampering, naming the first bad line', () => {
  it('a flipped byte in a line', async () => {
    await writeFive();
    const ls = lines();
    ls[2] = (ls[2] as string).replace('"065"', '"066"');
    writeLines(ls);
    expectBad(3, /modified/, 2);
  });

  it('a flipped byte in a stored hash', async () => {
    await writeFive();
    const ls = lines();
    const l = ls[1] as string;
    const i = l.indexOf('"hash":"') + 8;
    ls[1] = l.slice(0, i) + (l[i] === 'a' ? 'b' : 'a') + l.slice(i + 1);
    writeLines(ls);
    expectBad(2, /modified/, 1);
  });

  it('a deleted line', async () => {
    await writeFive();
    const ls = lines();
    ls.splice(1, 1);
    writeLines(ls);
    expectBad(2, /seq 3 where 2 was expected/, 1);
  });

  it('two swapped lines', async () => {
    await writeFive();
    const ls = lines();
    [ls[2], ls[3]] = [ls[3] as string, ls[2] as string];
    writeLines(ls);
    expectBad(3, /out of sequence/, 2);
  });

  it('a deleted first line', async () => {
    await writeFive();
    writeLines(lines().slice(1));
    expectBad(1, /seq 2 where 1 was expected/, 0);
  });

  it('a truncated last line', async () => {
    await writeFive();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 20));
    expectBad(5, /truncated/, 4);
  });

  it('a last line missing only its newline', async () => {
    await writeFive();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -1));
    expectBad(5, /no trailing newline/, 4);
  });

  it('bad JSON and foreign lines in the middle', async () => {
    await writeFive();
    const ls = lines();
    writeLines([...ls.slice(0, 3), '{"seq":4,', ...ls.slice(4)]);
    expectBad(4, /not valid JSON/, 3);
    writeLines([...ls.slice(0, 1), '{"level":30,"msg":"hi"}', ...ls.slice(1)]);
    expectBad(2, /not an event log entry/, 1);
    writeLines([...ls.slice(0, 2), '', ...ls.slice(2)]);
    expectBad(3, /empty line/, 2);
  });

  it('a member added to a line, outside the hashed content', async () => {
    await writeFive();
    const ls = lines();
    ls[2] = (ls[2] as string).replace(/}$/, ',"approved_by":"mallory"}');
    writeLines(ls);
    expectBad(3, /outside the hash \('approved_by'\)/, 2);
  });

  it('bytes changed without changing what the line means (reordered keys, whitespace)', async () => {
    await writeFive();
    const ls = lines();
    const entry = JSON.parse(ls[3] as string) as EventLogEntry;
    const { data, ...rest } = entry;
    writeLines([...ls.slice(0, 3), JSON.stringify({ data, ...rest }), ...ls.slice(4)]);
    expectBad(4, /not in the form its hash covers/, 3);
    writeLines([
      ...ls.slice(0, 3),
      JSON.stringify(entry, null, 1).replace(/\n/g, ''),
      ...ls.slice(4),
    ]);
    expectBad(4, /not in the form its hash covers/, 3);
    writeLines([...ls.slice(0, 3), JSON.stringify({ ...entry, data: { z: (data as { z: unknown }).z, message: (data as { message: unknown }).message, code: '42P01' } }), ...ls.slice(4)]); // prettier-ignore
    expectBad(4, /not in the form its hash covers/, 3);
  });

  it('a missing log', () => {
    expect(verifyEventLog(path.join(dir, 'none.jsonl'))).toMatchObject({ ok: false, line: 1 });
  });
});

describe('torn last line (crash mid-write)', () => {
  it('is moved aside on reopen and recorded, keeping the chain verifiable', async () => {
    const written = await writeFive();
    const torn = '{"seq":6,"time":"2025-01-01T00:00:00.000Z","type":"step.sta';
    writeFileSync(file, readFileSync(file, 'utf8') + torn);
    expectBad(6, /truncated/, 5);

    const log = EventLog.open(file);
    expect(log.recovered).toEqual({ line: 6, movedTo: `${file}.torn-1`, bytes: torn.length });
    expect(readFileSync(`${file}.torn-1`, 'utf8')).toBe(torn);
    const next = await log.append('run.resumed', null, {});
    await log.close();

    const result = readEventLog(file);
    expect(result).toHaveLength(7);
    expect(result[5]).toMatchObject({
      seq: 6,
      type: 'log.recovered',
      prev_hash: written[4]?.hash,
      data: { line: 6, moved_to: 'events.jsonl.torn-1', bytes: torn.length },
    });
    expect(next.seq).toBe(7);

    // A second crash is moved to the next free name.
    writeFileSync(file, readFileSync(file, 'utf8') + 'garbage\n');
    const again = EventLog.open(file);
    expect(again.recovered?.movedTo).toBe(`${file}.torn-2`);
    await again.close();
    expect(readFileSync(`${file}.torn-2`, 'utf8')).toBe('garbage\n');
    expect(readEventLog(file)).toHaveLength(8);
  });

  it('a complete last line that lost only its newline is kept, not moved', async () => {
    const written = await writeFive();
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -1));
    const log = EventLog.open(file);
    expect(log.recovered).toBeUndefined();
    expect(log.lastHash).toBe(written[4]?.hash);
    await log.append('run.resumed', null, {});
    await log.close();
    expect(readEventLog(file)).toHaveLength(6);
    expect(existsSync(`${file}.torn-1`)).toBe(false);
  });
});

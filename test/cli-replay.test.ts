import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliWorkspace, parseJson, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let ws: CliWorkspace;
let runId: string;
let log: string;
let good: string;

beforeAll(async () => {
  db = await createTestDatabase('cli_replay');
  ws = await createCliWorkspace();
  await db.query('CREATE TABLE replayed (v int)');
  await ws.writeProcedure(
    'replayable',
    `procedure: replayable
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: insert
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO replayed VALUES (1)" }
  - id: check
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT count(*)::int FROM replayed", scalar: 1 }
`,
  );
  const run = await ws.cli(['run', 'replayable', '--param', `database=${db.name}`, '--database-url', db.adminUrl, '--json']); // prettier-ignore
  if (run.code !== 0) throw new Error(`setup run failed (${run.code}): ${run.stderr}`);
  runId = parseJson<{ runId: string }>(run.stdout).runId;
  log = path.join(ws.runsDir, runId, 'events.jsonl');
  good = await readFile(log, 'utf8');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

/** Writes a tampered log, replays it, restores the good one. */
async function replayTampered(text: string) {
  await writeFile(log, text);
  try {
    return await ws.cli(['replay', runId]);
  } finally {
    await writeFile(log, good);
  }
}

function lines(): string[] {
  return good.split('\n').filter((l) => l.length > 0);
}

describe('runbook replay', () => {
  it('verifies a good log offline and re-drives the machine (exit 0)', async () => {
    const n = lines().length;
    expect(n).toBeGreaterThan(5);
    // No database is needed: give it a URL that cannot connect, as a reviewer's machine would.
    const r = await ws.cli(['replay', runId], {
      env: { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\b${n} lines, (SHA-256 )?hash chain intact`));
    expect(r.stdout).toMatch(/status\s+succeeded/i);
    const j = await ws.cli(['replay', 'last', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(parseJson(j.stdout)).toMatchObject({ ok: true, runId, lines: n, status: 'succeeded' });
  });

  it('exits 4 naming the line when one byte of a line was modified', async () => {
    const l = lines();
    const i = l.findIndex((x) => x.includes('"type":"step.succeeded"'));
    expect(i).toBeGreaterThan(0);
    // One byte of the recorded row count: still valid JSON, but not what was hashed.
    const tampered = l[i]!.replace('"rows_affected":1', '"rows_affected":2');
    expect(tampered).not.toBe(l[i]);
    const r = await replayTampered(
      [...l.slice(0, i), tampered, ...l.slice(i + 1)].join('\n') + '\n',
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`line ${i + 1}:`);
    expect(r.stderr).toMatch(/modified/);
  });

  it('exits 4 naming the line when a line was deleted', async () => {
    const l = lines();
    const r = await replayTampered([...l.slice(0, 2), ...l.slice(3)].join('\n') + '\n');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('line 3:');
  });

  it('exits 4 naming the line when two lines were swapped', async () => {
    const l = lines();
    const swapped = [...l];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    const r = await replayTampered(swapped.join('\n') + '\n');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('line 4:');
  });

  it('exits 4 naming the line when the last line was truncated', async () => {
    const n = lines().length;
    const r = await replayTampered(good.slice(0, good.length - 25));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`line ${n}:`);
    expect(r.stderr).toMatch(/truncated/);
    await writeFile(log, good.slice(0, good.length - 25));
    try {
      const j = await ws.cli(['replay', runId, '--json']);
      expect(j.code).toBe(4);
      expect(parseJson(j.stdout)).toMatchObject({ ok: false, exitCode: 4, error: { line: n } });
    } finally {
      await writeFile(log, good);
    }
  });

  it('exits 4 when whole lines were cut from its end (run.json says it succeeded)', async () => {
    const l = lines();
    for (const keep of [l.length - 1, 3]) {
      const r = await replayTampered(l.slice(0, keep).join('\n') + '\n');
      expect(r.code, `keeping ${keep} lines`).toBe(4);
      expect(r.stderr).toContain(`line ${keep + 1}:`);
      expect(r.stderr).toMatch(/removed from its end/);
    }
  });

  it('restored the good log after the tampering (exit 0 again)', async () => {
    expect(await readFile(log, 'utf8')).toBe(good);
    const r = await ws.cli(['replay', runId]);
    expect(r.code, r.stderr).toBe(0);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash, entryLine, type EventLogEntry } from '../src/runs/event-hash.js';
import { createCliWorkspace, parseJson, type CliWorkspace } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// The hash chain shows a line edited, inserted or removed, but not a log rewritten whole with its
// hashes recomputed: only a head kept apart from the run tells that. `run` and `resume` print the
// log's head as they end (and in their JSON); `replay --anchor <head>` fails (exit 4) unless the
// log passes through it, however many lines a later resume appended.

let db: TestDatabase;
let ws: CliWorkspace;

beforeAll(async () => {
  db = await createTestDatabase('replay_anchor');
  ws = await createCliWorkspace('runbook-anchor-');
  await ws.writeProcedure(
    'two-inserts',
    `procedure: two-inserts
description: two inserts, the second into a table that may be missing
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: first
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO anchor_a (v) VALUES ('a')" }
  - id: second
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO anchor_b (v) VALUES ('b')" }
`,
  );
  await db.query('CREATE TABLE anchor_a (v text)');
});
afterAll(async () => {
  await ws?.dispose();
  await db?.drop();
});

interface Ended {
  runId: string;
  status: string;
  log: { lines: number; head: string };
}

const args = (...rest: string[]): string[] => [...rest, '--database-url', db.adminUrl, '--json'];

/** Rewrites a run's log: `edit` changes entries in place, then every hash is recomputed. */
function rewrite(runId: string, edit: (entries: EventLogEntry[]) => void): void {
  const file = path.join(ws.runsDir, runId, 'events.jsonl');
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventLogEntry);
  edit(entries);
  let prev = '0'.repeat(64);
  for (const e of entries) {
    e.prev_hash = prev;
    e.hash = entryHash(prev, e);
    prev = e.hash;
  }
  writeFileSync(file, entries.map((e) => entryLine(e) + '\n').join(''));
}

describe('the log head', () => {
  it('is printed by run and resume, and replay --anchor holds a copy to it', async () => {
    const run = await ws.cli(args('run', 'two-inserts', '--param', `database=${db.name}`));
    expect(run.code, run.stderr).toBe(1);
    const stopped = parseJson<Ended>(run.stdout);
    expect(stopped.log.head).toMatch(/^[0-9a-f]{64}$/);
    expect(stopped.log.lines).toBe(ws.events(stopped.runId).length);
    expect(run.stderr).toContain(
      `log:     ${stopped.log.lines} lines, head sha256:${stopped.log.head}`,
    );

    await db.query('CREATE TABLE anchor_b (v text)');
    const resume = await ws.cli(args('resume', stopped.runId));
    expect(resume.code, resume.stderr).toBe(0);
    const done = parseJson<Ended>(resume.stdout);
    expect(done.log.lines).toBeGreaterThan(stopped.log.lines);

    // Each head the run printed anchors the log, the earlier one at the line it was then.
    for (const [anchor, line] of [
      [`sha256:${stopped.log.head}`, stopped.log.lines],
      [done.log.head.slice(0, 32), done.log.lines],
    ] as const) {
      const replay = await ws.cli(['replay', stopped.runId, '--anchor', anchor, '--json']);
      expect(replay.code, replay.stderr).toBe(0);
      expect(parseJson<{ head: string; anchoredAt: number }>(replay.stdout)).toMatchObject({
        head: done.log.head,
        anchoredAt: line,
      });
    }
    const text = await ws.cli(['replay', stopped.runId, '--anchor', stopped.log.head]);
    expect(text.stdout).toContain(`head sha256:${done.log.head}`);
    const after = done.log.lines - stopped.log.lines;
    expect(text.stdout).toContain(
      `passes through the anchor given (line ${stopped.log.lines}; ${after} lines after it not covered by it)`,
    );
  });

  it('tells a log rewritten whole, which the chain alone does not', async () => {
    await db.query('TRUNCATE anchor_a, anchor_b');
    const run = await ws.cli(args('run', 'two-inserts', '--param', `database=${db.name}`));
    expect(run.code, run.stderr).toBe(0);
    const { runId, log } = parseJson<Ended>(run.stdout);
    // Who ran it, rewritten, every hash recomputed.
    rewrite(runId, (entries) => {
      const started = entries.find((e) => e.type === 'run.started')!;
      (started.data as Record<string, unknown>).by = 'someone-else@elsewhere';
    });
    const plain = await ws.cli(['replay', runId]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('someone-else@elsewhere');

    const anchored = await ws.cli(['replay', runId, '--anchor', `sha256:${log.head}`]);
    expect(anchored.code).toBe(4);
    expect(anchored.stderr).toContain(`no line of the log has the hash sha256:${log.head}`);

    const report = await ws.cli([
      'report', runId, '--html', path.join(ws.dir, 'r.html'), '--anchor', log.head,
    ]); // prettier-ignore
    expect(report.code).toBe(4);
    expect(report.stderr).toContain('TAMPERED at line 1');

    // 16 hex digits are a prefix a forger could match by varying a line: refused.
    const short = await ws.cli(['replay', runId, '--anchor', log.head.slice(0, 16)]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('is not a log head (sha256: and 32 to 64 hex digits');
  });
});

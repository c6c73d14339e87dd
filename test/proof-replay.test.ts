import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seededRandom } from './support/proof-random.js';
import {
  createPasswordRole,
  createProofWorkspace,
  findSecretLeaks,
  type PasswordRole,
  type ProofWorkspace,
} from './support/proof-workspace.js';

// Replay integrity (issue 6): any edit to a real run's log is detected offline, exit 4, naming
// the first bad line.
const random = seededRandom('RUNBOOK_REPLAY_SEED');
let role: PasswordRole;
let db: TestDatabase;
let ws: ProofWorkspace;
let runId: string;
let original: Buffer;

beforeAll(async () => {
  console.log(`proof-replay: seed=${random.seed} (replay: RUNBOOK_REPLAY_SEED=${random.seed})`);
  role = await createPasswordRole('rb_proof_replay');
  db = await createTestDatabase('proof_replay');
  ws = await createProofWorkspace('runbook-proof-replay-');
  await ws.writeProcedure(
    'replayable',
    `procedure: replayable
description: a few steps, so the log has lines worth tampering with
requires: { authority: local, role: staging }
params:
  database: { type: string }
steps:
  - id: create
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE IF NOT EXISTS t (v int)" }
  - id: fill
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "INSERT INTO t VALUES (1), (2)" }
  - id: check
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT count(*)::int AS n FROM t", scalar: 2 }
`,
  );
  const run = await ws.cli([
    'run', 'replayable', '--param', `database=${db.name}`, '--database-url', role.url,
  ]); // prettier-ignore
  expect(run.code, run.stderr).toBe(0);
  runId = ws.runIds()[0]!;
  original = readFileSync(path.join(ws.runsDir, runId, 'events.jsonl'));
});
afterAll(async () => {
  if (ws) expect(findSecretLeaks(ws)).toEqual([]);
  await ws?.dispose();
  await db?.drop();
  await role?.drop();
});

/** The log as lines (without the final newline's empty tail). */
function lines(): string[] {
  return original.toString('utf8').split('\n').slice(0, -1);
}

/** A tampering: the edited log bytes and the 1-based line the check must name. */
interface Tampering {
  log: Buffer;
  line: number;
}

/** A line number in [from, to] drawn from the seeded source. */
const pick = (from: number, to: number): number => random.int(from, to);

const cases: { name: string; tamper: () => Tampering }[] = [
  {
    name: 'flip one byte inside a line',
    tamper: () => {
      const all = lines();
      const line = pick(1, all.length);
      const start = all.slice(0, line - 1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      const log = Buffer.from(original);
      // A byte of the data, not of the JSON punctuation: a letter or digit of the line.
      const text = all[line - 1]!;
      let at = pick(10, text.length - 2);
      while (!/[a-z0-9]/.test(text[at]!)) at++;
      log[start + at] = log[start + at]! ^ 0x01;
      return { log, line };
    },
  },
  {
    name: 'delete a line',
    tamper: () => {
      const all = lines();
      const line = pick(1, all.length - 1);
      all.splice(line - 1, 1);
      return { log: Buffer.from(all.join('\n') + '\n'), line };
    },
  },
  {
    name: 'swap two adjacent lines',
    tamper: () => {
      const all = lines();
      const line = pick(1, all.length - 1);
      [all[line - 1], all[line]] = [all[line]!, all[line - 1]!];
      return { log: Buffer.from(all.join('\n') + '\n'), line };
    },
  },
  {
    name: 'swap the first and the last line',
    tamper: () => {
      const all = lines();
      [all[0], all[all.length - 1]] = [all[all.length - 1]!, all[0]!];
      return { log: Buffer.from(all.join('\n') + '\n'), line: 1 };
    },
  },
  {
    name: 'truncate the last line',
    tamper: () => {
      const all = lines();
      const last = all[all.length - 1]!;
      all[all.length - 1] = last.slice(0, pick(1, last.length - 1));
      return { log: Buffer.from(all.join('\n')), line: all.length };
    },
  },
  {
    name: 'cut the last two bytes (newline and closing brace)',
    tamper: () => ({ log: original.subarray(0, original.length - 2), line: lines().length }),
  },
];

describe('replay integrity', () => {
  it('the untouched log replays (exit 0)', async () => {
    const replay = await ws.cli(['replay', runId]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(lines().length).toBeGreaterThan(6);
  });

  for (const c of cases) {
    it(`${c.name}: exit 4 naming the line`, async () => {
      const { log, line } = c.tamper();
      const runsDir = path.join(ws.dir, `runs-${c.name.replace(/\W+/g, '-')}`);
      cpSync(path.join(ws.runsDir, runId), path.join(runsDir, runId), { recursive: true });
      writeFileSync(path.join(runsDir, runId, 'events.jsonl'), log);
      const replay = await ws.cli(['replay', runId, '--runs-dir', runsDir, '--json']);
      expect(replay.code, replay.stderr).toBe(4);
      expect(replay.stderr).toContain(`events.jsonl line ${line}:`);
      expect(parseJson<{ error: { line: number } }>(replay.stdout).error.line).toBe(line);
      // Replay is read-only: it never "repairs" a tampered log.
      expect(readFileSync(path.join(runsDir, runId, 'events.jsonl'))).toEqual(log);
    });
  }
});

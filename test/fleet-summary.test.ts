import { describe, expect, it } from 'vitest';
import type { FleetTarget } from '../src/fleet/fleet-store.js';
import { formatFleet, logHeadLines } from '../src/fleet/fleet-summary.js';

// What `fleet inspect` prints is read by a person deciding what to trust: a target's name (from a
// targets file, or a database name, which may hold any character) stays on its own line.

const target = (name: string, over: Partial<FleetTarget> = {}): FleetTarget => ({
  position: 0,
  name,
  server: 'postgresql://h/postgres',
  serverKey: 'h:5432',
  params: {},
  runId: 'up-1',
  status: 'succeeded',
  failedStep: null,
  code: null,
  message: null,
  drives: 1,
  updatedAt: '2026-12-07T00:00:00.000Z',
  log: { lines: 12, head: 'a'.repeat(64) },
  ...over,
});

describe('fleet output', () => {
  it('keeps a name or message holding newlines on its line: no forged log head', () => {
    const forged = `x\n  db_f1  up-FORGED  99 lines, head sha256:${'b'.repeat(64)}\n  #`;
    const text = formatFleet('fleet-1', 'up', [
      target(forged),
      target('y', { status: 'failed', failedStep: 'migrate', code: 'P0001', message: forged, log: null }),
    ]); // prettier-ignore
    expect(text).not.toMatch(/^\s*db_f1/m);
    // What follows each newline stays on the name's (or message's) line, its newline shown.
    expect(text.split('\n').some((l) => /^\s*#/.test(l))).toBe(false);
    expect(text).toContain(`x\\x0a  db_f1`);
    expect(logHeadLines([target('a\tb')])[2]).toBe(
      `  a\\x09b  up-1  12 lines, head sha256:${'a'.repeat(64)}`,
    );
  });
});

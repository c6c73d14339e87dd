import { describe, expect, it } from 'vitest';
import { actions } from '../src/actions/index.js';
import { entryHash, GENESIS_HASH, type EventLogEntry } from '../src/runs/event-hash.js';
import type { JsonValue } from '../src/json.js';
import { parseProcedure } from '../src/procedure/load-procedure.js';
import { outlineProcedure } from '../src/report/procedure-outline.js';
import { renderReportHtml } from '../src/report/render-report-html.js';
import { buildTimeline } from '../src/report/timeline.js';

const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>`;

const procedure = parseProcedure(
  `
procedure: evil
description: "${EVIL.replace(/"/g, '\\"')}"
requires: { authority: local, role: staging }
steps:
  - id: migrate
    description: "${EVIL.replace(/"/g, '\\"')}"
    do: sql.exec
    with: { sql: "select 1" }
checklist:
  - { item: "${EVIL.replace(/"/g, '\\"')}", step: migrate }
`,
  'evil.yaml',
  actions,
);

function chain(lines: { type: string; step: string | null; data: JsonValue }[]): EventLogEntry[] {
  let prev = GENESIS_HASH;
  return lines.map((l, i) => {
    const base = { seq: i + 1, time: `2026-01-01T00:00:0${i}.000Z`, ...l };
    const e = { ...base, prev_hash: prev, hash: entryHash(prev, base) };
    prev = e.hash;
    return e;
  });
}

describe('renderReportHtml', () => {
  it('escapes markup from migration names, error messages, descriptions and checklist items', () => {
    const entries = chain([
      {
        type: 'run.started',
        step: null,
        data: { procedure: 'evil', by: `${EVIL}@host`, target: EVIL, params: { x: EVIL } },
      },
      { type: 'step.started', step: 'migrate', data: { action: 'sql.exec', attempt: 1 } },
      {
        type: 'migration.applied',
        step: 'migrate',
        data: { revision: `001_${EVIL}`, duration_ms: 3 },
      },
      {
        type: 'step.failed',
        step: 'migrate',
        data: {
          duration_ms: 5,
          failure: {
            step: 'migrate',
            code: '42P01',
            message: `relation "${EVIL}" does not exist`,
            migration: `002_${EVIL}`,
            statement: `ALTER TABLE "${EVIL}"`,
            diagnosis: EVIL,
            at: '2026-01-01T00:00:03.000Z',
          },
        },
      },
      {
        type: 'run.stopped',
        step: 'migrate',
        data: { status: 'failed', failures: [{ step: 'migrate' }] },
      },
    ]);
    const timeline = buildTimeline(entries, procedure, {
      runId: 'evil-1',
      integrity: { status: 'tampered', line: 3, reason: EVIL, lines: 2 },
    });
    const page = renderReportHtml({
      timeline,
      outline: outlineProcedure(procedure),
      artifacts: {
        expectations: [
          {
            step: EVIL,
            database: EVIL,
            results: [{ kind: 'k', subject: EVIL, pass: false, expected: EVIL, actual: 1 }],
          },
        ],
        diffs: [],
        summaries: [{ name: EVIL, text: EVIL }],
        files: [EVIL],
      },
      replay: null,
    });
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
    );
    // The failure panel still says what happened, and the policy forbids scripts and fetches.
    expect(page).toContain('<span class="sqlstate">42P01</span>');
    expect(page).toMatch(/Content-Security-Policy" content="default-src &#39;none&#39;/);
    expect(page).toMatch(/class="integrity tampered"/);
  });
});

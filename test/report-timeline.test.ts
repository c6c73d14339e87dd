import { cp, readFile, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLogEntry } from '../src/runs/event-hash.js';
import { collapseMigrations } from '../src/report/collapse-migrations.js';
import type { MigrationRow, Timeline } from '../src/report/timeline-types.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  createReportWorkspace,
  novaBeforeProcedure,
  REPO,
  type ReportWorkspace,
} from './report-fixtures.js';

const host = os.hostname();

function readLog(ws: ReportWorkspace, runId: string): Promise<EventLogEntry[]> {
  return readFile(path.join(ws.runsDir, runId, 'events.jsonl'), 'utf8').then((t) =>
    t
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EventLogEntry),
  );
}

describe('replay and report of a real run that failed, was fixed, resumed and skipped', () => {
  let db: TestDatabase;
  let ws: ReportWorkspace;
  let runId: string;
  let scratch: TestDatabase['query'];

  beforeAll(async () => {
    db = await createTestDatabase('report_tl');
    const database = `${db.name}_nb`;
    const dir = path.join(REPO, 'examples', 'nova', 'before');
    ws = await createReportWorkspace(db.adminUrl, {
      'nova-before': novaBeforeProcedure(database, dir),
    });
    // The procedure points at the workspace's editable copy of the history.
    await writeFile(
      path.join(ws.dir, 'procedures', 'nova-before.yaml'),
      novaBeforeProcedure(database, ws.history),
    );
    const pg = await import('pg');
    scratch = async (sql, values) => {
      const c = new pg.default.Client(db.adminUrl.replace(/\/[^/]*$/, `/${database}`));
      await c.connect();
      try {
        return await c.query(sql, values);
      } finally {
        await c.end();
      }
    };

    const first = await ws.cli(['run', 'nova-before'], { USER: 'alice' });
    expect(first.code, first.stderr).toBe(1);
    runId = await ws.lastRun();
    // The operator's fix for 065, and an edit to an applied migration (refused, then accepted).
    await scratch(
      await readFile(path.join(REPO, 'examples/nova/fixes/pre-create-runs.sql'), 'utf8'),
    );
    await appendFile(path.join(ws.history, '001_workflow_checkpoints.sql'), '\n-- reviewed\n');
    expect((await ws.cli(['resume', runId], { USER: 'bob' })).code).toBe(1);
    expect((await ws.cli(['resume', runId, '--allow-changed'], { USER: 'bob' })).code).toBe(1);
    expect((await ws.cli(['resume', runId, '--skip', 'migrate'], { USER: 'carol' })).code).toBe(1);
  }, 180_000);

  afterAll(async () => {
    await ws?.dispose();
    await db?.drop();
  });

  it('replay --json gives the timeline as data, keeping the replay keys', async () => {
    const r = await ws.cli(['replay', runId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      runId: string;
      procedure: string;
      lines: number;
      transitions: number;
      status: string;
      timeline: Timeline;
    };
    const log = await readLog(ws, runId);
    expect(out).toMatchObject({ ok: true, runId, procedure: 'nova-before', status: 'stopped' });
    expect(out.lines).toBe(log.length);
    expect(out.transitions).toBe(log.filter((e) => e.type === 'transition').length);
    const t = out.timeline;
    expect(t.integrity).toEqual({
      status: 'verified',
      lines: log.length,
      head: log.at(-1)!.hash,
      transitions: out.transitions,
    });
    expect(t.stoppedAt).toEqual(['verify']);
    expect(t.attempts).toBe(4);
    expect(t.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['recreate', 'succeeded', 1],
      ['migrate', 'skipped', 3],
      ['verify', 'failed', 1],
      [
        'cleanup',
        'succeeded',
        log.filter((e) => e.type === 'step.started' && e.step === 'cleanup').length,
      ],
    ]);

    // First attempt: 001–064 collapsed, with count, total and slowest taken from the log itself.
    const firstStart = log.findIndex((e) => e.type === 'step.started' && e.step === 'migrate');
    const firstEnd = log.findIndex((e, i) => i > firstStart && e.type === 'step.failed');
    const applied = log
      .slice(firstStart, firstEnd)
      .filter((e) => e.type === 'migration.applied')
      .map((e) => e.data as { revision: string; duration_ms: number });
    expect(applied).toHaveLength(64);
    const slowest = applied.reduce((a, b) => (b.duration_ms > a.duration_ms ? b : a));
    const migrate1 = t.rows.find((r) => r.kind === 'step' && r.step === 'migrate');
    expect(migrate1?.kind === 'step' && migrate1.migrations).toEqual([
      {
        kind: 'range',
        from: '001',
        to: '064',
        count: 64,
        totalMs: applied.reduce((s, a) => s + a.duration_ms, 0),
        slowest: { revision: slowest.revision, durationMs: slowest.duration_ms },
      },
      {
        kind: 'failed',
        revision: '065_add_run_authorization',
        code: '42P01',
        message: 'relation "runs" does not exist',
      },
    ]);

    const [f065, changed, f073, verify] = t.failures;
    expect(f065).toMatchObject({
      step: 'migrate',
      code: '42P01',
      migration: '065_add_run_authorization',
      file: path.join(ws.history, '065_add_run_authorization.sql'),
      attempt: 1,
      resolved: true,
    });
    expect(f065!.line).toBeGreaterThan(0);
    expect(f065!.diagnosis).toMatch(/no migration in the history creates relation "runs"/);
    expect(changed).toMatchObject({ code: 'MIGRATION_CHANGED', attempt: 2 });
    expect(f073).toMatchObject({ code: '42P01', migration: '073_add_synthetic_flags', attempt: 3 });
    expect(f073!.then).toBe(`marked done by hand by carol@${host}`);
    expect(verify).toMatchObject({ step: 'verify', code: 'EXPECTATION_FAILED', resolved: false });

    const changedLine = log.find(
      (e) => e.type === 'migration.changed' && (e.data as { accepted: boolean }).accepted,
    )!.data as { old_checksum: string; new_checksum: string; file: string };
    expect(t.interventions.map((i) => [i.kind, i.by, i.step])).toEqual([
      ['resume', `bob@${host}`, null],
      ['retry', `bob@${host}`, 'migrate'],
      ['resume', `bob@${host}`, null],
      ['retry', `bob@${host}`, 'migrate'],
      ['allow-changed', `bob@${host}`, 'migrate'],
      ['resume', `carol@${host}`, null],
      ['skip', `carol@${host}`, 'migrate'],
    ]);
    expect(t.interventions.find((i) => i.kind === 'allow-changed')!.checksums).toEqual([
      { subject: changedLine.file, old: changedLine.old_checksum, new: changedLine.new_checksum },
    ]);
    expect(changedLine.old_checksum).not.toBe(changedLine.new_checksum);
    expect(t.checklist.map((c) => c.status)).toEqual(['PASS', 'SKIPPED', 'FAIL']);
  });

  it('replay prints the timeline as text a person can read', async () => {
    const r = await ws.cli(['replay', runId]);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(/integrity {2}VERIFIED — \d+ lines, SHA-256 hash chain intact/);
    expect(text).toMatch(/status {5}STOPPED at verify {2}\(4 attempts\)/);
    // Durations print as `12 ms` or, from a second up, `1.1 s` (a loaded machine gets there).
    expect(text).toMatch(
      /001–064 {2}64 migrations {2}\S+ (ms|s) total, slowest \S+ (\d+ ms|\d+(\.\d+)? s)/,
    );
    expect(text).toContain(
      '065_add_run_authorization  FAILED 42P01 relation "runs" does not exist',
    );
    expect(text).toContain(`run started by alice@${host}`);
    expect(text).toContain(`resumed by bob@${host} (attempt 3): retry migrate --allow-changed`);
    expect(text).toContain(`migrate marked done by hand by carol@${host}`);
    expect(text).toMatch(/accepted the changed file of applied migration 001_workflow_checkpoints/);
    expect(text).toMatch(/sha256 [0-9a-f]{64} → [0-9a-f]{64}/);
    expect(text).toMatch(/diagnosis: no migration in the history creates relation "agents"/);
    expect(text).toMatch(/Checklist \(recomputed from the log\)\n.*DB recreated +PASS/);
  });

  it('report --html escapes every text from the run', async () => {
    const file = path.join(ws.dir, 'out', 'report.html');
    const r = await ws.cli(['report', runId, '--html', file]);
    expect(r.code, r.stderr).toBe(0);
    const page = await readFile(file, 'utf8');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<b>and</b>');
    expect(page).toContain('Rebuild &lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt;');
    expect(page).toContain('data-status="verified"');
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it('runs lists id, procedure, status, where it stopped, started and duration', async () => {
    const table = await ws.cli(['runs']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+PROCEDURE\s+STATUS\s+STOPPED AT\s+STARTED\s+DURATION\n/);
    expect(table.stdout).toMatch(
      new RegExp(
        `${runId}\\s+nova-before\\s+failed\\s+verify \\(EXPECTATION_FAILED\\)\\s+` +
          `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\(\\d+[smhd] ago\\)\\s+\\d+(\\.\\d)?s`,
      ),
    );
    const json = JSON.parse((await ws.cli(['runs', '--json'])).stdout) as {
      id: string;
      stoppedAt: string | null;
      durationMs: number;
      startedAt: string;
      finishedAt: string | null;
      updatedAt: string;
    }[];
    const row = json.find((r) => r.id === runId)!;
    expect(row.stoppedAt).toBe('verify');
    // A stopped run has no finish time: it lasted until its last update.
    const end = row.finishedAt ?? row.updatedAt;
    expect(row.durationMs).toBe(Date.parse(end) - Date.parse(row.startedAt));
  });

  it('a tampered log: replay exits 4 naming the line; report still writes a page saying so', async () => {
    const copyId = runId.replace(/[0-9a-f]{4}$/, 'beef');
    await cp(path.join(ws.runsDir, runId), path.join(ws.runsDir, copyId), { recursive: true });
    const logFile = path.join(ws.runsDir, copyId, 'events.jsonl');
    const lines = (await readFile(logFile, 'utf8')).split('\n');
    lines[9] = lines[9]!.replace(/"duration_ms":\d+/, '"duration_ms":1');
    await writeFile(logFile, lines.join('\n'));

    const replay = await ws.cli(['replay', copyId]);
    expect(replay.code).toBe(4);
    expect(replay.stderr).toMatch(/events\.jsonl line 10: hash mismatch/);

    const file = path.join(ws.dir, 'out', 'tampered.html');
    const report = await ws.cli(['report', copyId, '--html', file, '--json']);
    expect(report.code).toBe(4);
    expect(JSON.parse(report.stdout)).toMatchObject({
      ok: false,
      integrity: { status: 'tampered', line: 10, lines: 9 },
    });
    const page = await readFile(file, 'utf8');
    expect(page).toMatch(
      /class="integrity tampered"[^>]*>\s*Log integrity: TAMPERED at line 10: hash mismatch/,
    );
  });
});

describe('collapseMigrations', () => {
  const rowArb: fc.Arbitrary<MigrationRow> = fc.oneof(
    fc.record({
      kind: fc.constant('applied' as const),
      revision: fc.stringMatching(/^\d{3}_[a-z]{1,6}$/),
      durationMs: fc.nat(500),
    }),
    fc.record({
      kind: fc.constant('failed' as const),
      revision: fc.stringMatching(/^\d{3}_[a-z]{1,6}$/),
      code: fc.constant('42P01'),
      message: fc.string(),
    }),
  );

  it('keeps every migration and every non-applied row in order; long runs become ranges', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 40 }), (rows) => {
        const out = collapseMigrations(rows, 4);
        const count = out.reduce(
          (n, r) => n + (r.kind === 'range' ? r.count : r.kind === 'applied' ? 1 : 0),
          0,
        );
        expect(count).toBe(rows.filter((r) => r.kind === 'applied').length);
        expect(out.filter((r) => r.kind === 'failed')).toEqual(
          rows.filter((r) => r.kind === 'failed'),
        );
        for (const r of out) if (r.kind === 'range') expect(r.count).toBeGreaterThan(4);
        const ms = (rs: MigrationRow[]): number =>
          rs.reduce(
            (n, r) =>
              n + (r.kind === 'range' ? r.totalMs : r.kind === 'applied' ? r.durationMs : 0),
            0,
          );
        expect(ms(out)).toBe(ms(rows));
      }),
    );
  });
});

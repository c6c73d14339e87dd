import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actions,
  buildTimeline,
  checkAuthority,
  compileProcedure,
  createReporter,
  defineAction,
  FileRunStore,
  inspectRun,
  InvalidInputError,
  loadProcedure,
  loadRunReport,
  RefusalError,
  replayRun,
  resumeRun,
  runProcedure,
  TamperedLogError,
  type ActionDefinition,
  type Procedure,
  type ReplayReport,
  type RunResult,
  type StepFailureRecord,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const PROCEDURE = (db: string): string => `
procedure: api-tiny
description: A tiny procedure run through the library API
requires: { authority: local, role: staging }
params:
  value: { type: integer, default: 7 }
steps:
  - id: create
    do: sql.exec
    with: { database: ${db}, sql: "CREATE TABLE IF NOT EXISTS api_probe (v int)" }
  - id: insert
    do: sql.exec
    with: { database: ${db}, sql: "INSERT INTO api_probe SELECT \${{ params.value }} WHERE NOT EXISTS (SELECT 1 FROM api_probe WHERE v = \${{ params.value }})" }
  - id: check
    do: sql.expect
    with: { database: ${db}, query: "SELECT count(*)::int FROM api_probe WHERE v = 42", scalar: 1 }
checklist:
  - { item: "probe row present", step: check }
`;

describe('library API (import from src/index.ts)', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  const quiet = createReporter({ silent: true });
  const authority = { authority: 'local', role: 'staging' };

  beforeAll(async () => {
    db = await createTestDatabase('report_api');
    dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-api-'));
    file = path.join(dir, 'api-tiny.yaml');
    await writeFile(file, PROCEDURE(db.name));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads, compiles, runs, inspects, resumes and replays a procedure', async () => {
    const procedure: Procedure = await loadProcedure(file);
    expect(procedure.name).toBe('api-tiny');
    const machine = compileProcedure(procedure);
    expect(Object.keys((machine.states as { main: { states: object } }).main.states)).toEqual([
      'create',
      'insert',
      'check',
      'completed',
    ]);
    expect(
      checkAuthority({
        requires: procedure.requires,
        writes: true,
        env: {},
        flags: authority,
        url: db.adminUrl,
      }).ok,
    ).toBe(true);

    const common = {
      cwd: dir,
      runsDir: 'runs',
      databaseUrl: db.adminUrl,
      env: {},
      reporter: quiet,
    };
    // value 7 is inserted, but the check wants a row with 42: the run stops at `check`.
    const first: RunResult = await runProcedure({ ...common, procedure, authority });
    expect(first.status).toBe('failed');
    expect(first.exitCode).toBe(1);
    const failure: StepFailureRecord = first.failures[0]!;
    expect(failure.step).toBe('check');
    expect((await db.query('SELECT v FROM api_probe')).rows).toEqual([{ v: 7 }]);

    const store = new FileRunStore(path.join(dir, 'runs'));
    const inspection = await inspectRun(store, first.runId);
    expect(inspection.record.status).toBe('failed');
    expect(inspection.failures.map((f) => f.step)).toEqual(['check']);

    // Fix the data by hand, then resume: only `check` runs again.
    await db.query('INSERT INTO api_probe VALUES (42)');
    const second = await resumeRun({ ...common, run: first.runId, authority });
    expect(second.status).toBe('succeeded');
    expect(second.checklist.map((c) => c.status)).toEqual(['PASS']);

    const replay: ReplayReport = await replayRun(second.runDir);
    expect(replay.status).toBe('succeeded');
    const timeline = buildTimeline(replay.entries, procedure, { runId: replay.runId });
    expect(timeline.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['create', 'succeeded', 1],
      ['insert', 'succeeded', 1],
      ['check', 'succeeded', 2],
    ]);
    expect(timeline.interventions.map((i) => i.kind)).toEqual(['resume', 'retry']);
  });

  it('exposes the error classes and defineAction', async () => {
    await expect(loadProcedure(path.join(dir, 'missing.yaml'))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      runProcedure({
        procedure: file,
        cwd: dir,
        databaseUrl: db.adminUrl,
        env: {},
        reporter: quiet,
      }),
    ).rejects.toBeInstanceOf(RefusalError);
    await expect(replayRun(path.join(dir, 'no-such-run'))).rejects.toBeInstanceOf(TamperedLogError);
    const custom: ActionDefinition<{ n: number }> = defineAction({
      name: 'custom.noop',
      summary: 'does nothing',
      params: (await import('zod')).z.object({ n: (await import('zod')).z.number() }),
      writes: false,
      run: async (_ctx, p) => ({ summary: `n=${p.n}` }),
    });
    expect(custom.name).toBe('custom.noop');
  });

  it('replays a run that used an action the host defined', async () => {
    const { z } = await import('zod');
    const stamp = defineAction({
      name: 'acme.stamp',
      summary: 'records a mark (a host-defined action)',
      params: z.object({ mark: z.string() }),
      writes: false,
      run: async (_ctx, p) => ({ output: { mark: p.mark }, summary: `marked ${p.mark}` }),
    });
    const custom = path.join(dir, 'custom-action.yaml');
    await writeFile(
      custom,
      `procedure: custom-action
requires: { authority: local, role: staging }
steps:
  - id: stamp
    do: acme.stamp
    with: { mark: ready }
`,
    );
    const result = await runProcedure({
      procedure: custom,
      cwd: dir,
      databaseUrl: db.adminUrl,
      env: {},
      authority,
      reporter: quiet,
      runsDir: path.join(dir, 'runs'),
      actions: new Map<string, ActionDefinition>([
        ...actions,
        [stamp.name, stamp as ActionDefinition],
      ]),
    });
    expect(result.status).toBe('succeeded');
    expect(result.outputs.stamp).toEqual({ mark: 'ready' });
    // Replay knows only the built-in actions: it re-drives the machine from the recorded outcome.
    const report = await replayRun(result.runDir);
    expect(report).toMatchObject({ procedure: 'custom-action', status: 'succeeded' });
    expect(report.transitions).toBeGreaterThan(0);
    // The report reads the saved procedure as replay does: the host's action is a step like any other.
    const full = await loadRunReport(result.runDir);
    expect(full.timeline.integrity.status).toBe('verified');
    expect(full.outline?.main).toEqual([
      expect.objectContaining({ kind: 'action', id: 'stamp', action: 'acme.stamp' }),
    ]);
    expect(full.timeline.steps).toEqual([
      expect.objectContaining({ id: 'stamp', action: 'acme.stamp', status: 'succeeded' }),
    ]);
  });

  it("redacts secret params in a host-defined action's artifacts, as in its log lines", async () => {
    const { z } = await import('zod');
    const echo = defineAction({
      name: 'acme.echo',
      summary: 'writes its argument into an artifact (a host-defined action)',
      params: z.object({ text: z.string() }),
      writes: false,
      run: async (ctx, p) => {
        const file = await ctx.writeArtifact('echo.txt', `token is ${p.text}\n`);
        return { output: { file }, summary: 'echoed' };
      },
    });
    const custom = path.join(dir, 'echo-action.yaml');
    await writeFile(
      custom,
      `procedure: echo-action
requires: { authority: local, role: staging }
params:
  token: { type: string, secret: true }
steps:
  - id: echo
    do: acme.echo
    with: { text: "\${{ params.token }}" }
`,
    );
    const result = await runProcedure({
      procedure: custom,
      cwd: dir,
      databaseUrl: db.adminUrl,
      env: {},
      authority,
      params: { token: 'tok-Zq7ArtifactSecret' },
      reporter: quiet,
      runsDir: path.join(dir, 'runs-echo'),
      actions: new Map<string, ActionDefinition>([
        ...actions,
        [echo.name, echo as ActionDefinition],
      ]),
    });
    expect(result.status).toBe('succeeded');
    const artifact = await readFile(path.join(result.runDir, 'artifacts', 'echo.txt'), 'utf8');
    expect(artifact).toBe('token is ***\n');
  });
});

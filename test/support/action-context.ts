import { redactUrl } from '../../src/postgres/redact.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ActionContext } from '../../src/actions/types.js';
import type { JsonValue } from '../../src/json.js';
import { Connections } from '../../src/postgres/connections.js';
import { FileRunStore } from '../../src/runs/file-run-store.js';
import { runView } from '../../src/runs/run-view.js';
import type { LoggedEvent } from '../../src/step-context.js';

/** A logged event, as captured by {@link createActionContext}. */
export interface CapturedEvent {
  type: string;
  data?: JsonValue;
}

/** An ActionContext for action unit tests, plus what it captured. */
export interface TestActionContext {
  ctx: ActionContext;
  /** Events passed to `ctx.log`, in order. */
  events: CapturedEvent[];
  /** Lines passed to `ctx.progress`. */
  progress: string[];
  /** Current checkpoint value (what `ctx.checkpoint.write` stored last). */
  checkpoint(): JsonValue | undefined;
  /** The run directory in a temp runs directory (artifacts under `artifacts/`). */
  runDir: string;
  /** Closes the pools and removes the run directory. */
  dispose(): Promise<void>;
}

/** Options of {@link createActionContext}. */
export interface ActionContextOptions {
  /** Server URL (maintenance database); the Connections are built on it. */
  url: string;
  /** Working directory for relative paths (default: a temp dir). */
  cwd?: string;
  stepId?: string;
  /** Initial checkpoint (e.g. to simulate a crash mid-step). */
  checkpoint?: JsonValue;
  confirmations?: string[];
  env?: Record<string, string | undefined>;
  /** Reuse these Connections (e.g. across simulated attempts); not ended by dispose. */
  db?: Connections;
}

/**
 * A real ActionContext for unit tests of actions: real Connections to the test server, a run in
 * a temp FileRunStore (artifacts read and written through it), the log appended to an array (and
 * read back from it) and the checkpoint in memory. The engine provides the production one; this is
 * for action tests only.
 */
export async function createActionContext(o: ActionContextOptions): Promise<TestActionContext> {
  const runsDir = await mkdtemp(path.join(os.tmpdir(), 'runbook-action-'));
  const store = new FileRunStore(runsDir);
  const runId = `test-${path.basename(runsDir).slice('runbook-action-'.length)}`;
  const now = new Date().toISOString();
  await store.create({
    format: 1,
    id: runId,
    procedure: 'test',
    procedureFile: 'test.yaml',
    procedureHash: '0'.repeat(64),
    params: {},
    target: { host: 'localhost', port: 5432, database: 'postgres', user: 'test' },
    status: 'running',
    startedAt: now,
    updatedAt: now,
    attempts: 1,
    xstateVersion: 'test',
  });
  const runDir = store.runDir(runId);
  const stepId = o.stepId ?? 'step';
  const events: CapturedEvent[] = [];
  const logged: LoggedEvent[] = [];
  const progress: string[] = [];
  let checkpoint = o.checkpoint;
  const db = o.db ?? new Connections(o.url, { applicationName: 'runbook-action-test' });
  const ctx: ActionContext = {
    runId,
    stepId,
    cwd: o.cwd ?? runDir,
    runDir,
    db,
    async writeArtifact(name, content, options) {
      await store.writeArtifact(runId, name, content, options);
      return store.location(runId, name);
    },
    ...runView(store, runId),
    async readLog(options) {
      return logged.filter((e) => !options?.types || options.types(e.type));
    },
    async log(type, data) {
      events.push(data === undefined ? { type } : { type, data });
      const time = new Date().toISOString();
      logged.push({ seq: logged.length + 1, time, type, step: stepId, data: data ?? null });
    },
    progress(line) {
      progress.push(line);
    },
    redact: (text) => redactUrl(text),
    checkpoint: {
      read: () => checkpoint,
      async write(data) {
        checkpoint = JSON.parse(JSON.stringify(data)) as JsonValue;
      },
    },
    shared: new Map(),
    attempt: { number: 1, allowChanged: false },
    confirmations: new Set(o.confirmations ?? []),
    env: o.env ?? { ...process.env },
    signal: new AbortController().signal,
  };
  return {
    ctx,
    events,
    progress,
    checkpoint: () => checkpoint,
    runDir,
    async dispose() {
      if (!o.db) await db.end();
      await rm(runsDir, { recursive: true, force: true });
    },
  };
}

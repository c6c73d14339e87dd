import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ActionContext } from '../../src/actions/types.js';
import type { JsonValue } from '../../src/json.js';
import { Connections } from '../../src/postgres/connections.js';

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
  /** The temp run directory (artifacts under `artifacts/`). */
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
 * A real ActionContext for unit tests of actions: real Connections to the test server, a temp run
 * directory with real artifact files, the log appended to an array and the checkpoint in memory.
 * The engine provides the production one; this is for action tests only.
 */
export async function createActionContext(o: ActionContextOptions): Promise<TestActionContext> {
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'runbook-action-'));
  const events: CapturedEvent[] = [];
  const progress: string[] = [];
  let checkpoint = o.checkpoint;
  const db = o.db ?? new Connections(o.url, { applicationName: 'runbook-action-test' });
  const ctx: ActionContext = {
    runId: `test-${path.basename(runDir)}`,
    stepId: o.stepId ?? 'step',
    cwd: o.cwd ?? runDir,
    runDir,
    db,
    async writeArtifact(name, content) {
      const file = path.join(runDir, 'artifacts', name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
    async log(type, data) {
      events.push(data === undefined ? { type } : { type, data });
    },
    progress(line) {
      progress.push(line);
    },
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
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

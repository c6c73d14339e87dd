import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CliProcess, CliResult } from './cli.js';
import { loadCheckpoint, runDirOf, tempFilesIn, type CheckpointState } from './proof-checkpoint.js';
import type { ProofWorkspace } from './proof-workspace.js';

/** How one attempt of the crash loop ended. */
export interface AttemptOutcome {
  /** 1-based attempt number. */
  attempt: number;
  verb: 'run' | 'resume' | 'resume --retry';
  /** Planned delay after spawn before the kill (ms). */
  delayMs: number;
  /** `random`: kill after the delay; `checkpoint`: kill inside an atomic-write window. */
  kind: 'random' | 'checkpoint';
  /** True when the process was SIGKILLed; false when it exited by itself first. */
  killed: boolean;
  exit: CliResult;
  /** Migrations logged as applied when it ended (across all attempts so far). */
  applied: number;
  /** The checkpoint as loaded right after the kill (undefined before any run dir exists). */
  checkpoint?: CheckpointState;
  /** Temp files of an atomic write this attempt's kill left (proof it landed inside the write). */
  newTemps: string[];
  /**
   * Milliseconds from spawn to this process's first unit of work (a migration applied or a step
   * finished); undefined if it did none before it ended.
   */
  firstProgressMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The run's status and failure code as recorded in run.json (undefined before it exists). */
export function recordedFailure(
  runsDir: string,
  runId: string,
): { status: string; code?: string } | undefined {
  try {
    const rec = JSON.parse(readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8')) as {
      status: string;
      failure?: { code?: string };
    };
    return { status: rec.status, ...(rec.failure?.code ? { code: rec.failure.code } : {}) };
  } catch {
    return undefined;
  }
}

/** What the next attempt must invoke, given what the last one left. */
export function nextVerb(ws: ProofWorkspace): AttemptOutcome['verb'] {
  const id = ws.runIds()[0];
  if (!id) return 'run';
  const rec = recordedFailure(ws.runsDir, id);
  // An interrupted non-transactional migration is in doubt: the designed answer is --retry.
  return rec?.code === 'MIGRATION_IN_DOUBT' ? 'resume --retry' : 'resume';
}

/** Options of {@link attemptWithKill}. */
export interface AttemptOptions {
  attempt: number;
  kind: AttemptOutcome['kind'];
  delayMs: number;
  /** argv of `run` (from the start). */
  runArgs: string[];
  /** argv of `resume last` without the decision flag. */
  resumeArgs: string[];
}

/**
 * Starts the next process of the crash loop (`run` first, then `resume last`), SIGKILLs it after
 * the delay (for `checkpoint`, after the delay and then as soon as an atomic write's temp file
 * exists in the run directory), and loads the checkpoint it left.
 */
export async function attemptWithKill(
  ws: ProofWorkspace,
  options: AttemptOptions,
): Promise<AttemptOutcome> {
  const verb = nextVerb(ws);
  const args =
    verb === 'run'
      ? options.runArgs
      : [...options.resumeArgs, ...(verb === 'resume --retry' ? ['--retry'] : [])];
  const env = options.kind === 'checkpoint' ? { RUNBOOK_TEST_CHECKPOINT_DELAY_MS: '30' } : {};
  const before = ws.runIds()[0];
  const tempsBefore = before ? tempFilesIn(runDirOf(ws.runsDir, before)) : [];
  const eventsBefore = before ? ws.events(before).length : 0;
  const spawnedAt = Date.now();
  const p: CliProcess = ws.start(args, { env });
  let exited = false;
  void p.done.then(() => (exited = true));
  await Promise.race([sleep(options.delayMs), p.done]);
  if (!exited && options.kind === 'checkpoint') await untilTempFile(ws, tempsBefore, () => exited);
  const killed = !exited;
  if (killed) p.child.kill('SIGKILL');
  const exit = await p.done;
  const id = ws.runIds()[0];
  const checkpoint = id ? await loadCheckpoint(ws.runsDir, id) : undefined;
  const events = id ? ws.events(id) : [];
  const applied = events.filter((e) => e.type === 'migration.applied').length;
  const first = events.find((e) => e.seq > eventsBefore && isProgress(e.type)) as
    { time?: string } | undefined;
  return {
    newTemps: (checkpoint?.strayTemps ?? []).filter((t) => !tempsBefore.includes(t)),
    ...(first?.time ? { firstProgressMs: new Date(first.time).getTime() - spawnedAt } : {}),
    attempt: options.attempt,
    verb,
    delayMs: options.delayMs,
    kind: options.kind,
    killed,
    exit,
    applied,
    ...(checkpoint ? { checkpoint } : {}),
  };
}

/** Events that mark work done (what a kill can interrupt), as opposed to startup lines. */
export function isProgress(type: string): boolean {
  return type === 'migration.applied' || type === 'step.succeeded';
}

/** Polls (every ms or so) until an atomic write's temp file exists in the run's directory. */
async function untilTempFile(
  ws: ProofWorkspace,
  existing: string[],
  exited: () => boolean,
): Promise<void> {
  const until = Date.now() + 10_000;
  while (!exited() && Date.now() < until) {
    const id = ws.runIds()[0];
    const temps = id ? tempFilesIn(runDirOf(ws.runsDir, id)) : [];
    if (temps.some((t) => !existing.includes(t))) return;
    await sleep(1);
  }
}

/** One line describing an attempt, for the printed trace. */
export function describeAttempt(o: AttemptOutcome): string {
  const end = o.killed ? 'SIGKILL' : `exit ${o.exit.code}`;
  const cp = o.checkpoint
    ? ` status=${o.checkpoint.status} events=${o.checkpoint.events}${o.checkpoint.tornLastLine ? ' torn-last-line' : ''}${o.newTemps.length ? ` killed-in-write(${o.newTemps.join(',')})` : ''}`
    : ' no run dir yet';
  const first = o.firstProgressMs === undefined ? '' : ` first-progress@${o.firstProgressMs}ms`;
  return `#${o.attempt} ${o.verb} ${o.kind} +${Math.round(o.delayMs)}ms → ${end}${first}, applied=${o.applied}${cp}`;
}

import path from 'node:path';
import { createActor, fromPromise, type AnyActorLogic, type Snapshot } from 'xstate';
import { TamperedLogError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import {
  compileProcedure,
  type OperatorEvent,
  type ProcedureContext,
} from '../procedure/compile-procedure.js';
import { parseProcedure } from '../procedure/load-procedure.js';
import type { Procedure } from '../procedure/types.js';
import { indexSteps } from './drive-run.js';
import type { EventLogEntry } from './event-hash.js';
import { createProcedureMachine } from './procedure-machine.js';
import { verifyEventLog } from './verify-event-log.js';
import { readFile } from 'node:fs/promises';
import { replayActions } from './replay-actions.js';

/** What a successful replay established. */
export interface ReplayReport {
  runId: string;
  procedure: string;
  /** Lines verified in the hash chain. */
  lines: number;
  /** State values the re-driven machine went through, each matching the log. */
  transitions: number;
  /** Final status per the log and per the re-driven machine (they agree). */
  status: 'succeeded' | 'stopped' | 'running';
  entries: EventLogEntry[];
}

type Pending = { resolve: (v: JsonObject) => void; reject: (e: unknown) => void };

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Reads a procedure source saved with the run and checks it is the one the log names. */
async function savedProcedure(
  runDir: string,
  name: string,
  file: string,
  hash: string,
  line: number,
): Promise<Procedure> {
  const source = await readFile(path.join(runDir, 'artifacts', name), 'utf8').catch(() => {
    throw new TamperedLogError(
      line,
      `the procedure source saved with the run (artifacts/${name}) is missing`,
    );
  });
  const procedure = parseProcedure(source, file, replayActions());
  if (procedure.source.hash !== hash) {
    throw new TamperedLogError(
      line,
      `artifacts/${name} does not match the procedure hash in the log`,
    );
  }
  return procedure;
}

/** The compiled machine with stub actors that settle when the replay feeds them an outcome. */
function machineFor(procedure: Procedure, pending: Map<string, Pending>) {
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of indexSteps(procedure).values()) {
    actors[step.do] ??= fromPromise<JsonObject, { step: string }>(
      ({ input }) =>
        new Promise<JsonObject>((resolve, reject) => pending.set(input.step, { resolve, reject })),
    );
  }
  return createProcedureMachine(compileProcedure(procedure), actors);
}

/**
 * Replays a persisted run offline (no database): verifies the log's SHA-256 chain, then re-drives
 * the compiled machine (from the procedure source saved with the run, whose hash must match the
 * log) with stub actors fed the recorded outcomes and the recorded operator events, checking that
 * every logged state value is the one the machine reaches. Throws {@link TamperedLogError} (exit 4)
 * naming the first bad or diverging line.
 */
export async function replayRun(runDir: string): Promise<ReplayReport> {
  const file = path.join(runDir, 'events.jsonl');
  const verified = verifyEventLog(file);
  if (!verified.ok) throw new TamperedLogError(verified.line, verified.reason);
  const entries = verified.entries;
  const startIndex = entries.findIndex((e) => e.type === 'run.started');
  const started = entries[startIndex];
  if (!started) throw new TamperedLogError(1, 'no run.started line');
  const startData = started.data as JsonObject;
  const procedure = await savedProcedure(
    runDir,
    'procedure.yaml',
    String(startData.procedure_file ?? 'procedure.yaml'),
    String(startData.procedure_hash),
    startIndex + 1,
  );
  const pending = new Map<string, Pending>();
  let machine = machineFor(procedure, pending);
  const history: { value: string; persisted: unknown }[] = [];
  let actor = createActor(machine);
  const watch = (a: typeof actor): void => {
    a.subscribe((s) =>
      history.push({ value: JSON.stringify(s.value), persisted: a.getPersistedSnapshot() }),
    );
  };
  watch(actor);
  actor.start();
  history.push({
    value: JSON.stringify(actor.getSnapshot().value),
    persisted: actor.getPersistedSnapshot(),
  });

  let transitions = 0;
  let status: ReplayReport['status'] = 'running';
  for (let i = startIndex + 1; i < entries.length; i++) {
    const e = entries[i]!;
    const line = i + 1;
    const data = (e.data ?? {}) as JsonObject;
    if (e.type === 'step.succeeded' || e.type === 'step.failed') {
      const p = e.step ? pending.get(e.step) : undefined;
      if (!p)
        throw new TamperedLogError(
          line,
          `replay diverged: step ${e.step} finished but the machine was not running it`,
        );
      pending.delete(e.step!);
      if (e.type === 'step.succeeded') p.resolve((data.output ?? {}) as JsonObject);
      else p.reject(data.failure);
      await tick();
    } else if (e.type === 'operator.event') {
      actor.send(data as unknown as OperatorEvent);
      await tick();
    } else if (e.type === 'procedure.changed') {
      // `resume --allow-procedure-change`: the resumed process drove the new procedure, saved
      // with the run under its hash; the next resume restores into its machine.
      const hash = String(data.new_hash);
      const changed = await savedProcedure(
        runDir,
        `procedure-${hash.slice(0, 12)}.yaml`,
        procedure.source.file,
        hash,
        line,
      );
      machine = machineFor(changed, pending);
    } else if (e.type === 'run.resumed') {
      // The resumed process restored a persisted snapshot (or, with none, started afresh):
      // restore the same one here.
      const fresh = (data.restored_value ?? null) === null;
      const want = JSON.stringify(data.restored_value ?? null);
      const found = fresh ? undefined : [...history].reverse().find((h) => h.value === want);
      if (!fresh && !found)
        throw new TamperedLogError(
          line,
          `replay diverged: the run resumed from ${want}, a state the machine never reached`,
        );
      actor.stop();
      pending.clear();
      actor = found
        ? createActor(machine, { snapshot: found.persisted as Snapshot<unknown> })
        : createActor(machine);
      watch(actor);
      actor.start();
      await tick();
    } else if (e.type === 'transition') {
      transitions++;
      const want = JSON.stringify((data as { value?: JsonValue }).value);
      const got = JSON.stringify(actor.getSnapshot().value);
      if (want !== got)
        throw new TamperedLogError(
          line,
          `replay diverged: the log says ${want}, the machine is in ${got}`,
        );
    } else if (e.type === 'run.succeeded' || e.type === 'run.stopped') {
      const snap = actor.getSnapshot() as unknown as { status: string; context: ProcedureContext };
      const machineDone = snap.status === 'done';
      if (machineDone !== (e.type === 'run.succeeded')) {
        throw new TamperedLogError(
          line,
          `replay diverged: the log says ${e.type}, the machine is ${machineDone ? 'done' : 'not done'}`,
        );
      }
      status = e.type === 'run.succeeded' ? 'succeeded' : 'stopped';
    }
  }
  actor.stop();
  await checkLogEnd(runDir, entries);
  return {
    runId: path.basename(runDir),
    procedure: procedure.name,
    lines: entries.length,
    transitions,
    status,
    entries,
  };
}

/**
 * A log cut at a line boundary keeps an intact chain, so the end is checked against run.json,
 * which is written only after the log line it reflects: a settled run's log must end with its
 * terminal line, and the log must hold at least the attempts the record counts.
 */
async function checkLogEnd(runDir: string, entries: EventLogEntry[]): Promise<void> {
  let record: { status?: string; attempts?: number };
  try {
    record = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')) as typeof record;
  } catch {
    return; // a log replayed without its run record: nothing to check the end against
  }
  const missing = entries.length + 1;
  const resumes = entries.filter((e) => e.type === 'run.resumed').length;
  if (typeof record.attempts === 'number' && resumes + 1 < record.attempts) {
    throw new TamperedLogError(
      missing,
      `missing: run.json counts ${record.attempts} attempts but the log records ${resumes + 1} (lines were removed from its end)`,
    );
  }
  const lastRunEvent = [...entries].reverse().find((e) => e.type.startsWith('run.'))?.type;
  const want =
    record.status === 'succeeded'
      ? 'run.succeeded'
      : record.status === 'failed'
        ? 'run.stopped'
        : undefined;
  if (
    want &&
    lastRunEvent !== want &&
    // A resume that died between logging run.resumed and rewriting run.json leaves exactly that.
    !(
      want === 'run.stopped' &&
      lastRunEvent === 'run.resumed' &&
      resumes + 1 > (record.attempts ?? 0)
    )
  ) {
    throw new TamperedLogError(
      missing,
      `missing: run.json says the run ${record.status} but the log ends at line ${entries.length} without ${want} (lines were removed from its end)`,
    );
  }
}

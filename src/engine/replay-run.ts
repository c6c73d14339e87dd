import { createActor, fromPromise, type AnyActorLogic, type Snapshot } from 'xstate';
import { TamperedLogError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import {
  compileProcedure,
  type OperatorEvent,
  type ProcedureContext,
} from '../procedure/compile-procedure.js';
import type { Procedure } from '../procedure/types.js';
import { indexSteps, stateKey } from './drive-run.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { createProcedureMachine } from './procedure-machine.js';
import { verifyRunLog } from '../runs/verify-event-log.js';
import { artifactRef, procedureArtifact } from '../runs/artifact-names.js';
import { FileRunStore } from '../runs/file-run-store.js';
import type { StoredRun } from '../runs/run-store.js';
import { loadSavedProcedure } from './read-saved-procedure.js';
import type { ReplayedRun, ReplayedState, ReplayReport } from './replay-types.js';
import { checkRunFilesAgree } from './run-agreement.js';

export type { ReplayedRun, ReplayedState, ReplayReport } from './replay-types.js';

type Pending = { resolve: (v: JsonObject) => void; reject: (e: unknown) => void };

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Reads a procedure source saved with the run and checks it is the one the log names. */
async function savedProcedure(
  run: StoredRun,
  choice: { hash?: string; file: string },
  hash: string,
  line: number,
): Promise<Procedure> {
  const name = artifactRef(procedureArtifact(choice.hash));
  const procedure = await loadSavedProcedure(run, choice);
  if (!procedure) {
    throw new TamperedLogError(
      line,
      `the procedure source saved with the run (${name}) is missing`,
    );
  }
  if (procedure.source.hash !== hash) {
    throw new TamperedLogError(line, `${name} does not match the procedure hash in the log`);
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
 * Re-drives the compiled machine (from the procedure source saved with the run, whose hash must
 * match the log) with stub actors fed the recorded outcomes and operator events, checking that
 * every logged state value is the one the machine reaches. `entries` must be a verified chain.
 * Throws {@link TamperedLogError} naming the first diverging line.
 */
export async function replayEntries(
  run: StoredRun,
  entries: readonly EventLogEntry[],
): Promise<ReplayedRun> {
  const startIndex = entries.findIndex((e) => e.type === 'run.started');
  const started = entries[startIndex];
  if (!started) throw new TamperedLogError(1, 'no run.started line');
  const startData = started.data as JsonObject;
  const procedure = await savedProcedure(
    run,
    { file: String(startData.procedure_file ?? 'procedure.yaml') },
    String(startData.procedure_hash),
    startIndex + 1,
  );
  const pending = new Map<string, Pending>();
  let machine = machineFor(procedure, pending);
  const history: ReplayedState[] = [];
  let lastLogged = 0;
  let actor = createActor(machine);
  const watch = (a: typeof actor): void => {
    a.subscribe((s) =>
      history.push({ value: stateKey(s.value), persisted: a.getPersistedSnapshot() }),
    );
  };
  watch(actor);
  actor.start();
  history.push({
    value: stateKey(actor.getSnapshot().value),
    persisted: actor.getPersistedSnapshot(),
  });

  let transitions = 0;
  let status: ReplayReport['status'] = 'running';
  let lastRunEvent: EventLogEntry = started;
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
      const changed = await savedProcedure(run, { hash, file: procedure.source.file }, hash, line);
      machine = machineFor(changed, pending);
    } else if (e.type === 'run.resumed') {
      // A resume that says the run had stopped on a failure came after the line saying so.
      if (data.previous_status === 'failed' && lastRunEvent.type !== 'run.stopped') {
        throw new TamperedLogError(
          line,
          `missing: the run resumed after stopping on a failure, but no run.stopped line precedes it (a line was removed)`,
        );
      }
      // The resumed process restored a persisted snapshot (or, with none, started afresh):
      // restore the same one here.
      const fresh = (data.restored_value ?? null) === null;
      const want = stateKey(data.restored_value ?? null);
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
      // The state the resume restored is its first checkpoint.
      history.push({
        value: stateKey(actor.getSnapshot().value),
        persisted: actor.getPersistedSnapshot(),
      });
      lastLogged = history.length - 1;
      await tick();
    } else if (e.type === 'transition') {
      transitions++;
      const want = stateKey((data as { value?: JsonValue }).value);
      const got = stateKey(actor.getSnapshot().value);
      if (want !== got)
        throw new TamperedLogError(
          line,
          `replay diverged: the log says ${want}, the machine is in ${got}`,
        );
      lastLogged = history.length - 1;
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
    if (e.type.startsWith('run.')) lastRunEvent = e;
  }
  actor.stop();
  return { procedure, transitions, status, history, lastLogged };
}

/**
 * Replays a persisted run offline (no database): verifies the log's SHA-256 chain, re-drives the
 * compiled machine with the recorded events ({@link replayEntries}), and checks that run.json and
 * snapshot.json agree with the log, unless a live process still drives the run (see
 * {@link ReplayReport.inProgress}). Throws {@link TamperedLogError} (exit 4) naming the first bad
 * or diverging line. `run` is a run directory (`runs/<run-id>` of a {@link FileRunStore}) or a
 * run of any store.
 */
export async function replayRun(run: string | StoredRun): Promise<ReplayReport> {
  const stored = typeof run === 'string' ? FileRunStore.forRunDir(run) : run;
  const runId = stored.id;
  const holder = await stored.store.lockHolder(runId);
  const verified = await verifyRunLog(stored);
  // A run being driven may be mid-append: its last line may not be complete yet.
  const midAppend =
    !verified.ok &&
    /^truncated|no trailing newline/.test(verified.reason) &&
    verified.line === verified.entries.length + 1;
  if (!verified.ok && !(holder && midAppend))
    throw new TamperedLogError(verified.line, verified.reason);
  const entries = verified.entries;
  const replayed = await replayEntries(stored, entries);
  // The driving process writes run.json and snapshot.json around its log lines: while it runs,
  // they may be a write ahead of the log read here, so only the log is judged.
  if (!holder) await checkRunFilesAgree(stored, entries, replayed);
  return {
    runId,
    procedure: replayed.procedure.name,
    lines: entries.length,
    transitions: replayed.transitions,
    status: replayed.status,
    entries,
    ...(holder
      ? { inProgress: { pid: holder.pid, since: holder.since, command: holder.command } }
      : {}),
  };
}

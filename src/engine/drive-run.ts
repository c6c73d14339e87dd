import { createActor, fromPromise, type AnyActorLogic, type Snapshot } from 'xstate';
import type { JsonObject, JsonValue } from '../json.js';
import {
  compileProcedure,
  type OperatorEvent,
  type ProcedureContext,
} from '../procedure/compile-procedure.js';
import type { ActionStep, Procedure, Step } from '../procedure/types.js';
import type { RunRecord, SnapshotFile } from '../runs/run-store.js';
import { createProcedureMachine } from './procedure-machine.js';
import { canonicalJson, type EventLogEntry } from '../runs/event-hash.js';
import type { StepFailureRecord } from '../errors.js';
import { executeStep, type StepRunEnvironment } from './step-executor.js';
import { XSTATE_VERSION } from './xstate-version.js';

/** How a drive ended. */
export interface DriveOutcome {
  status: 'succeeded' | 'failed';
  context: ProcedureContext;
  /** Unresolved failures, main steps first. */
  failures: StepFailureRecord[];
}

/** Input of {@link driveRun}: the step environment plus where to start from. */
export interface DriveInput extends Omit<StepRunEnvironment, 'outputs' | 'progress' | 'label'> {
  record: RunRecord;
  /** A persisted snapshot to continue from (resume); absent for a new run. */
  restored?: SnapshotFile;
  /** Sent once the restored machine is running (RETRY / SKIP). */
  operatorEvents?: OperatorEvent[];
  /** JSON of the last state value written to the log (so a resume does not log it twice). */
  lastLoggedValue?: string;
  /**
   * Outcomes already in the log for steps the restored checkpoint shows in flight (the process
   * died after logging the outcome, before checkpointing the transition): delivered, not re-run.
   */
  recordedOutcomes?: Map<string, EventLogEntry>;
}

/**
 * Re-delivers an outcome the log already holds (see {@link DriveInput.recordedOutcomes}), logging
 * it again with the line it came from so that replay sees the step settle after the resume.
 */
async function deliverRecordedOutcome(
  env: StepRunEnvironment,
  step: string,
  recorded: EventLogEntry,
): Promise<JsonObject> {
  const data = (recorded.data ?? {}) as JsonObject;
  await env.journal.append(recorded.type, step, { ...data, recovered_from_seq: recorded.seq });
  env.reporter.line(
    `${env.label(step)} ${step}  ${env.reporter.color('dim', `already ${recorded.type === 'step.succeeded' ? 'succeeded' : 'failed'} before the interruption (log line ${recorded.seq}); not run again`)}`,
  );
  if (recorded.type === 'step.failed') throw data.failure;
  return (data.output ?? {}) as JsonObject;
}

/** A state value as compared with the log: its canonical JSON (the log stores it so). */
export function stateKey(value: unknown): string {
  return canonicalJson((value ?? null) as JsonValue);
}

/** Every action step of a procedure (main, branches and finally) by id, in document order. */
export function indexSteps(procedure: Procedure): Map<string, ActionStep> {
  const index = new Map<string, ActionStep>();
  const walk = (steps: Step[]): void => {
    for (const s of steps) {
      if (s.kind === 'action') index.set(s.id, s);
      else for (const b of s.branches) walk(b.steps);
    }
  };
  walk(procedure.steps);
  walk(procedure.finally);
  return index;
}

/**
 * Runs the run's file writes one after another. The first write that fails (a full disk) stops
 * the queue: nothing queued after it is written, so the log never records a transition whose
 * cause (a step that could not start because its checkpoint failed) it lacks.
 */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  run(fn: () => Promise<unknown>): Promise<void> {
    const next = this.tail.then(() => {
      if (this.failure) throw this.failure;
      return fn();
    });
    this.tail = next.catch((err: unknown) => {
      this.failure ??= err;
    });
    return next.then(() => undefined);
  }
  /** Queues `fn` without a promise to observe: its failure surfaces from {@link idle}. */
  post(fn: () => Promise<unknown>): void {
    this.run(fn).catch(() => undefined);
  }
  async idle(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }
}

/**
 * Drives a compiled procedure until it rests: done, or stopped with failures and nothing running.
 * After every transition the persisted snapshot is written atomically (with the procedure's hash,
 * the xstate version and step progress), the new state value is appended to the event log, and
 * run.json is updated — all serialised, and awaited before any action starts, so a killed process
 * leaves a consistent checkpoint to resume from at any instant. They are fsynced at the run's
 * durability barriers: before each action starts and when the run rests stopped (a machine that
 * loses power resumes from the last barrier; actions are idempotent and the version table is the
 * truth for migrations; a finished run is closed by finishRun's durable run.json and log line).
 */
export async function driveRun(input: DriveInput): Promise<DriveOutcome> {
  const { store, record, procedure, journal } = input;
  const steps = indexSteps(procedure);
  const order = [...steps.keys()];
  const progress: Record<string, JsonValue> = { ...(input.restored?.progress ?? {}) };
  const queue = new SerialQueue();
  let persisted: JsonValue | undefined = input.restored?.snapshot;
  let lastValue = input.lastLoggedValue;
  // eslint-disable-next-line prefer-const
  let actorRef: { getSnapshot(): { context: ProcedureContext } } | undefined;

  // Bumped whenever the snapshot's content (the persisted machine or a step's progress) changes;
  // `written` is its value as of the last snapshot.json written, so a barrier that finds the
  // file current fsyncs it instead of writing it a second time.
  let changes = 0;
  let written = -1;
  const saveSnapshot = async (options?: { durable?: boolean }): Promise<void> => {
    const at = changes;
    const file: SnapshotFile = {
      format: 1,
      procedureHash: procedure.source.hash,
      xstateVersion: XSTATE_VERSION,
      savedAt: new Date().toISOString(),
      snapshot: persisted ?? null,
      progress: { ...progress },
    };
    await store.writeSnapshot(record.id, file, options);
    written = at;
  };
  const writeSnapshot = (options?: { durable?: boolean }): Promise<void> =>
    queue.run(() => saveSnapshot(options));
  /** The snapshot as it stands, on disk and fsynced (a barrier): written only if not current. */
  const durableSnapshot = (): Promise<void> =>
    queue.run(() =>
      written === changes ? store.syncSnapshot(record.id) : saveSnapshot({ durable: true }),
    );

  const env: StepRunEnvironment = {
    ...input,
    outputs: () => actorRef?.getSnapshot().context.outputs ?? {},
    label: (id) =>
      `[${String(order.indexOf(id) + 1).padStart(String(order.length).length)}/${order.length}]`,
    progress: {
      read: (step) => progress[step],
      write: async (step, data, options) => {
        progress[step] = data;
        changes += 1;
        await writeSnapshot(options);
        await queue.idle();
      },
    },
  };

  const actors: Record<string, AnyActorLogic> = {};
  for (const step of steps.values()) {
    actors[step.do] ??= fromPromise<JsonObject, { step: string }>(
      async ({ input: { step: id }, signal }) => {
        // The transition that started this step must be on disk before its action runs. xstate
        // starts this child before it notifies subscribers of that transition, so yield once to
        // let the subscriber queue the checkpoint, then wait for the queue to drain.
        await Promise.resolve();
        await queue.idle();
        // The durability barrier of the run: transitions are written as they happen but made
        // durable here, before a step's side effects begin (its step.started line is fsynced
        // too), and once more when the run rests.
        await durableSnapshot();
        const def = steps.get(id);
        if (!def) throw new Error(`unknown step ${id}`);
        const recorded = input.recordedOutcomes?.get(id);
        if (recorded) {
          input.recordedOutcomes?.delete(id);
          return deliverRecordedOutcome(env, id, recorded);
        }
        return executeStep(env, def, signal);
      },
    );
  }
  const machine = createProcedureMachine(compileProcedure(procedure), actors);
  const actor = createActor(
    machine,
    input.restored?.snapshot
      ? { snapshot: input.restored.snapshot as unknown as Snapshot<unknown> }
      : {},
  );
  actorRef = actor;

  let armed = false;
  let settle!: (s: { status: string; context: ProcedureContext }) => void;
  let fail!: (err: unknown) => void;
  const settled = new Promise<{ status: string; context: ProcedureContext }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const atRest = (s: { status: string; context: ProcedureContext }): boolean =>
    s.status === 'done' || (s.status === 'active' && s.context.running.length === 0);

  actor.subscribe({
    next: (snap) => {
      persisted = actor.getPersistedSnapshot() as unknown as JsonValue;
      changes += 1;
      const value = stateKey(snap.value);
      const current = snap.context.running.length > 0 ? snap.context.running.join(',') : undefined;
      const failures = Object.keys(snap.context.failures);
      // Queued, not awaited: a failed write (a full disk) is kept by the queue and thrown by its
      // next idle(), once, instead of rejecting here unobserved.
      writeSnapshot({ durable: false }).catch(() => undefined);
      if (value !== lastValue) {
        lastValue = value;
        queue.post(() =>
          journal.append(
            'transition',
            null,
            { value: snap.value as JsonValue, status: snap.status },
            { durable: false },
          ),
        );
      }
      queue.post(() => {
        record.currentStep = current ?? failures[0] ?? record.currentStep;
        record.updatedAt = new Date().toISOString();
        return store.writeRecord(record, { durable: false });
      });
      if (armed && atRest(snap)) settle(snap);
    },
    error: (err) => fail(err),
  });
  actor.start();
  for (const event of input.operatorEvents ?? []) {
    await queue.run(() =>
      journal.append(
        'operator.event',
        'step' in event && event.step ? event.step : null,
        event as unknown as JsonObject,
      ),
    );
    actor.send(event);
  }
  armed = true;
  const now = actor.getSnapshot();
  if (atRest(now)) settle(now);
  const final = await settled;
  actor.stop();
  await queue.idle();
  // At rest. A run that stopped is resumed from this snapshot: durable. A finished one is closed
  // by its durable run.json and log line and never resumed: written (if not current), not fsynced.
  if (final.status !== 'done') await durableSnapshot();
  else if (written !== changes) await writeSnapshot({ durable: false });

  const context = final.context;
  const failureList = Object.values(context.failures).sort(
    (a, b) => order.indexOf(String(a.step)) - order.indexOf(String(b.step)),
  ) as unknown as StepFailureRecord[];
  return {
    status: final.status === 'done' ? 'succeeded' : 'failed',
    context,
    failures: failureList,
  };
}

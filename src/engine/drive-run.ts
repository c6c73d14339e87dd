import {
  createActor,
  fromPromise,
  type AnyActorLogic,
  type AnyActorRef,
  type Snapshot,
} from 'xstate';
import type { JsonObject, JsonValue } from '../json.js';
import {
  compileProcedure,
  type OperatorEvent,
  type ProcedureContext,
} from '../procedure/compile-procedure.js';
import type { ActionStep, Procedure, Step } from '../procedure/types.js';
import type { RunRecord, SnapshotFile } from '../runs/run-store.js';
import { RunCheckpoint } from './run-checkpoint.js';
import { createProcedureMachine } from './procedure-machine.js';
import { canonicalJson, type EventLogEntry } from '../runs/event-hash.js';
import type { StepFailureRecord } from '../errors.js';
import { executeStep, type StepRunEnvironment } from './step-executor.js';

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

/** A machine snapshot as the drive reads it. */
interface MachineState {
  status: string;
  value: unknown;
  context: ProcedureContext;
}

/** Whether a machine rests: done, or stopped with failures and nothing running. */
function atRest(state: Pick<MachineState, 'status' | 'context'>): boolean {
  return (
    state.status === 'done' || (state.status === 'active' && state.context.running.length === 0)
  );
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
  const { store, record, procedure } = input;
  const steps = indexSteps(procedure);
  const order = [...steps.keys()];
  const checkpoint = new RunCheckpoint(store, record.id, procedure.source.hash, input.restored);
  // eslint-disable-next-line prefer-const
  let actorRef: { getSnapshot(): { context: ProcedureContext } } | undefined;
  const env: StepRunEnvironment = {
    ...input,
    outputs: () => actorRef?.getSnapshot().context.outputs ?? {},
    label: (id) =>
      `[${String(order.indexOf(id) + 1).padStart(String(order.length).length)}/${order.length}]`,
    progress: checkpoint.stepProgress(),
  };
  const machine = createProcedureMachine(
    compileProcedure(procedure),
    stepActors(steps, checkpoint, env, input.recordedOutcomes),
  );
  const actor = createActor(
    machine,
    input.restored?.snapshot
      ? { snapshot: input.restored.snapshot as unknown as Snapshot<unknown> }
      : {},
  );
  actorRef = actor;
  const final = await driveUntilRest(actor, checkpoint, input);
  const failures = Object.values(final.context.failures).sort(
    (a, b) => order.indexOf(String(a.step)) - order.indexOf(String(b.step)),
  ) as unknown as StepFailureRecord[];
  return {
    status: final.status === 'done' ? 'succeeded' : 'failed',
    context: final.context,
    failures,
  };
}

/**
 * The machine's actors: one per action, each running its step once the transition that started
 * it is checkpointed (or delivering the outcome the log already holds, see
 * {@link DriveInput.recordedOutcomes}).
 */
function stepActors(
  steps: ReadonlyMap<string, ActionStep>,
  checkpoint: RunCheckpoint,
  env: StepRunEnvironment,
  recordedOutcomes: Map<string, EventLogEntry> | undefined,
): Record<string, AnyActorLogic> {
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of steps.values()) {
    actors[step.do] ??= fromPromise<JsonObject, { step: string }>(
      async ({ input: { step: id }, signal }) => {
        // The transition that started this step must be on disk before its action runs. xstate
        // starts this child before it notifies subscribers of that transition, so yield once to
        // let the subscriber queue the checkpoint, then wait for the queue to drain.
        await Promise.resolve();
        await checkpoint.queue.idle();
        // The durability barrier of the run: transitions are written as they happen but made
        // durable here, before a step's side effects begin (its step.started line is fsynced
        // too), and once more when the run rests.
        await checkpoint.durable();
        const definition = steps.get(id);
        if (!definition) throw new Error(`unknown step ${id}`);
        const recorded = recordedOutcomes?.get(id);
        if (recorded) {
          recordedOutcomes?.delete(id);
          return deliverRecordedOutcome(env, id, recorded);
        }
        return executeStep(env, definition, signal);
      },
    );
  }
  return actors;
}

/**
 * Starts the actor, checkpoints and logs every transition, sends the operator's events and waits
 * until the machine rests; then the final checkpoint is written (durable when the run stopped:
 * it is resumed from it).
 */
async function driveUntilRest(
  actor: AnyActorRef,
  checkpoint: RunCheckpoint,
  input: DriveInput,
): Promise<MachineState> {
  const { queue } = checkpoint;
  const { journal } = input;
  let lastValue = input.lastLoggedValue;
  let armed = false;
  let settle!: (state: MachineState) => void;
  let fail!: (err: unknown) => void;
  const settled = new Promise<MachineState>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  actor.subscribe({
    next: (state: MachineState) => {
      checkpoint.persisted = actor.getPersistedSnapshot() as unknown as JsonValue;
      // Queued, not awaited: a failed write (a full disk) is kept by the queue and thrown by its
      // next idle(), once, instead of rejecting here unobserved.
      checkpoint.write({ durable: false }).catch(() => undefined);
      const value = stateKey(state.value);
      if (value !== lastValue) {
        lastValue = value;
        queue.post(() =>
          journal.append(
            'transition',
            null,
            { value: state.value as JsonValue, status: state.status },
            { durable: false },
          ),
        );
      }
      queue.post(() => recordPosition(input, state));
      if (armed && atRest(state)) settle(state);
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
  const now = actor.getSnapshot() as MachineState;
  if (atRest(now)) settle(now);
  const final = await settled;
  actor.stop();
  await queue.idle();
  // At rest. A run that stopped is resumed from this snapshot: durable. A finished one is closed
  // by its durable run.json and log line and never resumed: written (if not current), not fsynced.
  await checkpoint.finish(final.status === 'done');
  return final;
}

/** run.json after a transition: the step in flight (or the first failed one), and when. */
function recordPosition(input: DriveInput, state: MachineState): Promise<void> {
  const { record } = input;
  const current = state.context.running.length > 0 ? state.context.running.join(',') : undefined;
  const failures = Object.keys(state.context.failures);
  record.currentStep = current ?? failures[0] ?? record.currentStep;
  record.updatedAt = new Date().toISOString();
  return input.store.writeRecord(record, { durable: false });
}

import type { JsonObject } from '../json.js';
import type { ActionStep, Procedure, Step } from './types.js';

/** Events the compiled machine accepts from an operator (via `runbook resume`). */
export type OperatorEvent = { type: 'RETRY'; step?: string } | { type: 'SKIP'; step: string };

/** The compiled machine: a plain, JSON-serialisable XState v5 config (see docs/design.md "Compilation and execution"). */
export type MachineConfig = JsonObject & { id: string };

/** Context every compiled machine starts with; only this shape is held in snapshots. */
export interface ProcedureContext {
  /** Steps whose action is in flight. */
  running: string[];
  /** Unresolved failures by step id (main and finally steps). */
  failures: Record<string, JsonObject>;
  /** Outputs of completed steps by step id. */
  outputs: Record<string, JsonObject>;
  /** Steps an operator marked done by hand. */
  skipped: string[];
  /** Failures that `on_error` routed elsewhere, kept for the record. */
  handled: JsonObject[];
  /** Whether the main sequence reached its end. */
  mainCompleted: boolean;
}

/** The initial context of every compiled machine. */
export function initialContext(): ProcedureContext {
  return { running: [], failures: {}, outputs: {}, skipped: [], handled: [], mainCompleted: false };
}

const act = (type: string, step?: string): JsonObject =>
  step === undefined ? { type } : { type, params: { step } };

/**
 * How a step's error is handled: it rests in its own `failed` state (the default), jumps to the
 * `on_error` step, or (cleanup steps) is recorded and passed over. Only the first has a `failed`
 * state: a state nothing can enter is left out.
 */
type OnError = { kind: 'rest' } | { kind: 'route'; target: string } | { kind: 'record' };

function actionStepState(step: ActionStep, next: string, onError: OnError): JsonObject {
  const failed: JsonObject = {
    entry: [act('markSettled', step.id)],
    on: {
      RETRY: {
        guard: { type: 'targetsStep', params: { step: step.id } },
        target: 'running',
        actions: [act('clearFailure', step.id)],
      },
      SKIP: {
        guard: { type: 'isStep', params: { step: step.id } },
        target: 'done',
        actions: [act('recordSkip', step.id)],
      },
    },
  };
  const errorTarget =
    onError.kind === 'rest' ? 'failed' : onError.kind === 'route' ? onError.target : 'done';
  // A step counts as in flight until its state is left (or it rests in `failed`), not merely until
  // its actor settles: leaving `running` for `done` and entering the next step are two microsteps,
  // and `finally`'s eventless "main settled" check runs between them. Settling on exit of the
  // whole step makes the hand-over from one step to the next atomic.
  return {
    initial: 'running',
    exit: [act('markSettled', step.id)],
    states: {
      running: {
        entry: [act('markRunning', step.id)],
        invoke: {
          id: step.id,
          src: step.do,
          input: { step: step.id },
          onDone: { target: 'done', actions: [act('recordOutput', step.id)] },
          onError: {
            target: errorTarget,
            actions: [
              act(onError.kind === 'route' ? 'recordHandledFailure' : 'recordFailure', step.id),
            ],
          },
        },
      },
      ...(onError.kind === 'rest' ? { failed } : {}),
      done: { type: 'final' },
    },
    onDone: next,
  };
}

/** Absolute XState id of a main-sequence step (for `on_error` jumps across nesting). */
function stepPath(procedure: string, ancestry: string[], id: string): string {
  return `#${[procedure, 'main', ...ancestry, id].join('.')}`;
}

function sequenceStates(
  procedure: string,
  steps: Step[],
  ancestry: string[],
  locate: Map<string, string[]>,
): JsonObject {
  const states: JsonObject = {};
  steps.forEach((step, i) => {
    const next = steps[i + 1]?.id ?? 'completed';
    if (step.kind === 'action') {
      const route = step.on_error;
      states[step.id] = actionStepState(
        step,
        next,
        route
          ? { kind: 'route', target: stepPath(procedure, locate.get(route) ?? [], route) }
          : { kind: 'rest' },
      );
    } else {
      const regions: JsonObject = {};
      for (const branch of step.branches) {
        const inner = [...ancestry, step.id, branch.id];
        regions[branch.id] = {
          initial: branch.steps[0]?.id ?? 'completed',
          states: sequenceStates(procedure, branch.steps, inner, locate),
        };
      }
      states[step.id] = { type: 'parallel', states: regions, onDone: next };
    }
  });
  states.completed =
    ancestry.length === 0
      ? { type: 'final', entry: [act('markMainCompleted')] }
      : { type: 'final' };
  return states;
}

function indexAncestry(steps: Step[], ancestry: string[], into: Map<string, string[]>): void {
  for (const step of steps) {
    into.set(step.id, ancestry);
    if (step.kind === 'parallel') {
      for (const b of step.branches) indexAncestry(b.steps, [...ancestry, step.id, b.id], into);
    }
  }
}

function finallyStates(steps: ActionStep[]): JsonObject {
  const states: JsonObject = {
    idle: { always: { guard: 'mainSettled', target: steps[0]?.id ?? 'settled' } },
  };
  steps.forEach((step, i) => {
    const next = steps[i + 1]?.id ?? 'settled';
    // A cleanup failure is recorded but never blocks the cleanups after it.
    states[step.id] = actionStepState(step, next, { kind: 'record' });
  });
  const reset: JsonObject = {
    type: 'clearFinallyFailures',
    params: { steps: steps.map((s) => s.id) },
  };
  states.settled = {
    always: { guard: 'allSucceeded', target: 'complete' },
    // An operator's RETRY or SKIP sets main going again: cleanup runs again once it settles.
    on: {
      RETRY: { target: 'idle', actions: [reset] },
      SKIP: { target: 'idle', actions: [reset] },
    },
  };
  states.complete = { type: 'final' };
  return states;
}

/**
 * Compiles a validated procedure into a plain JSON XState config. Pure and deterministic: the same
 * procedure always yields the same config (committed under `machines/`).
 *
 * Shape: a root parallel state with region `main` (the steps in order, each a compound state
 * `running → done | failed`, parallel blocks as parallel states) and region `finally` (cleanup steps
 * that start once `main` has settled: completed, or stopped on a failure with nothing running). A
 * failed step rests in `failed` holding its failure in context and accepts `RETRY` and `SKIP`.
 */
export function compileProcedure(procedure: Procedure): MachineConfig {
  const locate = new Map<string, string[]>();
  indexAncestry(procedure.steps, [], locate);
  return {
    id: procedure.name,
    type: 'parallel',
    context: initialContext() as unknown as JsonObject,
    states: {
      main: {
        initial: procedure.steps[0]?.id ?? 'completed',
        states: sequenceStates(procedure.name, procedure.steps, [], locate),
      },
      finally: { initial: 'idle', states: finallyStates(procedure.finally) },
    },
  };
}

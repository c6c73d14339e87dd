import { assign, setup, type AnyActorLogic } from 'xstate';
import type { JsonObject } from '../json.js';
import type {
  MachineConfig,
  OperatorEvent,
  ProcedureContext,
} from '../procedure/compile-procedure.js';

type StepParams = { step: string };

/** Normalises whatever an actor rejected with into the JSON failure record kept in context. */
export function failureFromError(step: string, error: unknown): JsonObject {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const record = JSON.parse(JSON.stringify(error)) as JsonObject;
    return { ...record, step };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { step, code: 'ERROR', message, at: new Date().toISOString() };
}

function without<T>(record: Record<string, T>, keys: string[]): Record<string, T> {
  const copy = { ...record };
  for (const k of keys) delete copy[k];
  return copy;
}

/**
 * Binds a compiled config to the machine logic shared by every procedure: context bookkeeping
 * actions, the settle/succeed guards, and `actors` — one actor logic per action name (real actions
 * for a run, stubs fed recorded outcomes for a replay, anything for a test). Pure: no IO here.
 */
export function createProcedureMachine(
  config: MachineConfig,
  actors: Record<string, AnyActorLogic>,
) {
  return setup({
    types: {} as { context: ProcedureContext; events: OperatorEvent },
    actors,
    actions: {
      markRunning: assign(({ context }, { step }: StepParams) => ({
        running: [...context.running.filter((s) => s !== step), step],
      })),
      markSettled: assign(({ context }, { step }: StepParams) => ({
        running: context.running.filter((s) => s !== step),
      })),
      recordOutput: assign(({ context, event }, { step }: StepParams) => {
        const output = (event as unknown as { output?: unknown }).output;
        const value = output && typeof output === 'object' ? (output as JsonObject) : {};
        return { outputs: { ...context.outputs, [step]: value } };
      }),
      recordFailure: assign(({ context, event }, { step }: StepParams) => ({
        failures: {
          ...context.failures,
          [step]: failureFromError(step, (event as unknown as { error: unknown }).error),
        },
      })),
      recordHandledFailure: assign(({ context, event }, { step }: StepParams) => ({
        handled: [
          ...context.handled,
          failureFromError(step, (event as unknown as { error: unknown }).error),
        ],
      })),
      clearFailure: assign(({ context }, { step }: StepParams) => ({
        failures: without(context.failures, [step]),
      })),
      recordSkip: assign(({ context }, { step }: StepParams) => ({
        failures: without(context.failures, [step]),
        skipped: [...context.skipped.filter((s) => s !== step), step],
      })),
      markMainCompleted: assign({ mainCompleted: true }),
      clearFinallyFailures: assign(({ context }, { steps }: { steps: string[] }) => ({
        failures: without(context.failures, steps),
      })),
    },
    guards: {
      mainSettled: ({ context }) =>
        context.running.length === 0 &&
        (context.mainCompleted || Object.keys(context.failures).length > 0),
      allSucceeded: ({ context }) =>
        context.mainCompleted && Object.keys(context.failures).length === 0,
      isStep: ({ event }, { step }: StepParams) => event.type === 'SKIP' && event.step === step,
      targetsStep: ({ event }, { step }: StepParams) =>
        event.type === 'RETRY' && (event.step === undefined || event.step === step),
    },
    // The config is JSON produced by compileProcedure; its action/guard/actor names match the setup above.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }).createMachine(config as any);
}

/** The machine type compiled procedures run as. */
export type ProcedureMachine = ReturnType<typeof createProcedureMachine>;

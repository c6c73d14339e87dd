import * as z from 'zod';
import { actions as builtIn } from '../actions/index.js';
import { defineAction, type ActionDefinition } from '../actions/types.js';
import { StepError } from '../errors.js';

/** Stands in for an action replay does not know: any arguments, never run. */
function standIn(name: string): ActionDefinition {
  return defineAction<unknown>({
    name,
    summary: 'an action of the host that ran the procedure (replay does not run actions)',
    params: z.unknown(),
    writes: false,
    run: () => {
      throw new StepError('REPLAY_ONLY', `replay does not run actions (${name})`);
    },
  });
}

/**
 * The registry a replay parses the saved procedure against: the built-in actions, and for any
 * other name (an action the run's host defined with `defineAction` and passed to `runProcedure`)
 * a stand-in that accepts any arguments. Replay re-drives the machine from the recorded outcomes:
 * it needs the steps, not the actions, and the run checked each step's arguments against its own
 * registry when it started.
 */
export function replayActions(): ReadonlyMap<string, ActionDefinition> {
  return new ReplayRegistry(builtIn);
}

class ReplayRegistry extends Map<string, ActionDefinition> {
  override get(name: string): ActionDefinition {
    return super.get(name) ?? standIn(name);
  }

  override has(): boolean {
    return true;
  }
}

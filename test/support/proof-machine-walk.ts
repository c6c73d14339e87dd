import {
  fromPromise,
  initialTransition,
  transition,
  type AnyActorLogic,
  type AnyMachineSnapshot,
  type EventObject,
} from 'xstate';
import type { MachineConfig } from '../../src/procedure/compile-procedure.js';
import { createProcedureMachine } from '../../src/engine/procedure-machine.js';

/** What an exhaustive walk of a compiled procedure machine found. */
export interface MachineWalk {
  /** Every state path of the machine (`main.a.running`, `finally.idle`, …). */
  allStates: string[];
  /** State paths active in some snapshot the walk reached. */
  reached: Set<string>;
  /**
   * States of `allStates` the walk never reached (transient `done` states judged by proxy), other
   * than those of `deadFailed`.
   */
  unreached: string[];
  /**
   * KNOWN DEFECT (reported to the lead): `failed` states the compiler emits for steps whose failure
   * goes elsewhere (a `finally` step goes on to `done`, a step with `on_error` to its target), so
   * that no transition ever enters them.
   */
  deadFailed: string[];
  /** Whether a snapshot with status `done` was reached. */
  reachedDone: boolean;
  /** Failed states (`….failed`) from which RETRY was sent, and where it led. */
  retried: Map<string, string[]>;
  /** Distinct snapshots visited. */
  snapshots: number;
  /** True when the walk stopped at the cap (the machine was too large to exhaust). */
  capped: boolean;
}

interface ConfigNode {
  type?: string;
  onDone?: unknown;
  invoke?: { onError?: { target?: string } };
  states?: Record<string, ConfigNode>;
}

/**
 * All state paths of a compiled config, from its JSON (no XState internals). A final state (a
 * step's `done`, a branch's `completed`) may be left in the macrostep that entered it (`onDone`), so
 * it is never at rest: it counts as reached when its parent is, which `proxies` records.
 */
function statePaths(
  node: ConfigNode,
  prefix: string[],
  proxies: Map<string, string>,
  dead: string[],
): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.states ?? {})) {
    const path = [...prefix, key];
    out.push(path.join('.'));
    const running = child.states?.running;
    if (child.states?.failed && running?.invoke && running.invoke.onError?.target !== 'failed')
      dead.push([...path, 'failed'].join('.'));
    // The walk feeds a done event to every running actor, so a final child of a reached state was
    // entered, even when an enclosing onDone left it in the same macrostep (never seen at rest).
    for (const [k, c] of Object.entries(child.states ?? {}))
      if (c.type === 'final') proxies.set([...path, k].join('.'), path.join('.'));
    out.push(...statePaths(child, path, proxies, dead));
  }
  return out;
}

/** Active state paths of a snapshot value. */
function activePaths(value: unknown, prefix: string[] = []): string[] {
  if (typeof value === 'string') return [[...prefix, value].join('.')];
  const out: string[] = [];
  for (const [key, child] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    out.push([...prefix, key].join('.'), ...activePaths(child, [...prefix, key]));
  }
  return out;
}

/** Invoke ids of the running actors of a snapshot (children the machine started). */
function runningInvokes(snapshot: AnyMachineSnapshot): string[] {
  return Object.keys(snapshot.children ?? {});
}

/**
 * What distinguishes two snapshots for the machine's future: its value and the context the guards
 * read (running steps, failed steps, main completed). Outputs and the order steps settled in do
 * not change what can happen next; leaving them out keeps parallel procedures walkable.
 */
const key = (s: AnyMachineSnapshot): string => {
  const c = s.context as { running: string[]; failures: object; mainCompleted: boolean };
  return JSON.stringify({
    v: s.value,
    r: [...c.running].sort(),
    f: Object.keys(c.failures).sort(),
    m: c.mainCompleted,
    st: s.status,
  });
};

/**
 * Walks every snapshot a compiled procedure can reach with the pure `transition`: from each one it
 * feeds, for every running actor, its done and its error event, and RETRY and SKIP for every step
 * id. Nothing runs: the actors are stubs never started.
 */
export function walkMachine(
  config: MachineConfig,
  stepIds: string[],
  actionNames: string[],
  cap = 20_000,
): MachineWalk {
  const actors: Record<string, AnyActorLogic> = {};
  for (const name of actionNames) actors[name] = fromPromise(async () => ({}));
  const machine = createProcedureMachine(config, actors);
  const [initial] = initialTransition(machine);
  const seen = new Set<string>([key(initial)]);
  const queue: AnyMachineSnapshot[] = [initial];
  const reached = new Set<string>();
  const retried = new Map<string, string[]>();
  let reachedDone = false;
  let capped = false;
  while (queue.length > 0) {
    const snapshot = queue.shift()!;
    const active = activePaths(snapshot.value);
    active.forEach((p) => reached.add(p));
    if (snapshot.status === 'done') reachedDone = true;
    const events: EventObject[] = [];
    for (const id of runningInvokes(snapshot)) {
      events.push({ type: `xstate.done.actor.${id}`, output: {} } as EventObject);
      events.push({
        type: `xstate.error.actor.${id}`,
        error: { code: 'PROOF', message: 'injected failure' },
      } as EventObject);
    }
    for (const step of stepIds) {
      events.push({ type: 'RETRY', step } as EventObject, { type: 'SKIP', step } as EventObject);
    }
    for (const event of events) {
      const [next] = transition(machine, snapshot, event as never);
      const failed = active.filter((p) => p.endsWith('.failed'));
      if (event.type === 'RETRY' && failed.length > 0 && next !== snapshot) {
        const step = (event as EventObject & { step: string }).step;
        for (const f of failed.filter((p) => p.split('.').at(-2) === step)) {
          retried.set(f, activePaths(next.value));
        }
      }
      const k = key(next);
      if (seen.has(k)) continue;
      if (seen.size >= cap) {
        capped = true;
        continue;
      }
      seen.add(k);
      queue.push(next);
    }
  }
  const proxies = new Map<string, string>();
  const deadFailed: string[] = [];
  const allStates = statePaths(config as ConfigNode, [], proxies, deadFailed);
  const isReached = (p: string): boolean =>
    reached.has(p) || (proxies.has(p) && isReached(proxies.get(p)!));
  return {
    allStates,
    reached,
    unreached: allStates.filter((p) => !isReached(p) && !deadFailed.includes(p)),
    deadFailed,
    reachedDone,
    retried,
    snapshots: seen.size,
    capped,
  };
}

import { createActor, fromPromise, getNextSnapshot, initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { compileProcedure } from '../src/procedure/compile-procedure.js';
import type { Procedure } from '../src/procedure/types.js';
import { createProcedureMachine } from '../src/engine/procedure-machine.js';

function proc(partial: Partial<Procedure>): Procedure {
  return {
    name: 'demo',
    requires: {},
    params: {},
    steps: [],
    finally: [],
    checklist: [],
    source: { file: 'demo.yaml', hash: 'x', positions: {} },
    ...partial,
  };
}
const step = (id: string, extra: object = {}) => ({
  kind: 'action' as const,
  id,
  do: 'noop',
  with: {},
  ...extra,
});

describe('compileProcedure', () => {
  it('is JSON and deterministic', () => {
    const p = proc({ steps: [step('a'), step('b')], finally: [step('cleanup')] });
    const c = compileProcedure(p);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(compileProcedure(p)).toEqual(c);
  });

  it('restored in-flight promise actors re-run (XState v5 behaviour the engine relies on)', async () => {
    let calls = 0;
    const logic = fromPromise(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { n: calls };
    });
    const machine = createProcedureMachine(
      compileProcedure(proc({ steps: [step('a'), step('b')] })),
      {
        noop: logic,
      },
    );
    const actor = createActor(machine);
    actor.start();
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    expect(calls).toBe(1);
    const restored = createActor(machine, { snapshot: persisted });
    const done = new Promise((resolve) =>
      restored.subscribe((s) => s.status === 'done' && resolve(s)),
    );
    restored.start();
    await done;
    expect(calls).toBe(3); // a re-invoked, then b
  });

  it('pure transitions: failure rests in failed, finally runs, RETRY resumes', () => {
    const machine = createProcedureMachine(
      compileProcedure(proc({ steps: [step('a'), step('b')], finally: [step('cleanup')] })),
      { noop: fromPromise(async () => ({})) },
    );
    let [s] = initialTransition(machine);
    expect(s.value).toEqual({ main: { a: 'running' }, finally: 'idle' });
    [s] = transition(machine, s, { type: 'xstate.done.actor.a', output: { x: 1 } } as never);
    expect(s.value).toEqual({ main: { b: 'running' }, finally: 'idle' });
    [s] = transition(machine, s, {
      type: 'xstate.error.actor.b',
      error: { code: '42P01', message: 'relation "runs" does not exist', at: 't' },
    } as never);
    expect(s.value).toEqual({ main: { b: 'failed' }, finally: { cleanup: 'running' } });
    expect(s.context.failures.b).toMatchObject({ step: 'b', code: '42P01' });
    [s] = transition(machine, s, { type: 'xstate.done.actor.cleanup', output: {} } as never);
    expect(s.value).toEqual({ main: { b: 'failed' }, finally: 'settled' });
    s = getNextSnapshot(machine, s, { type: 'RETRY' });
    expect(s.value).toEqual({ main: { b: 'running' }, finally: 'idle' });
    expect(s.context.failures).toEqual({});
    [s] = transition(machine, s, { type: 'xstate.done.actor.b', output: {} } as never);
    expect(s.value).toEqual({ main: 'completed', finally: { cleanup: 'running' } });
    [s] = transition(machine, s, { type: 'xstate.done.actor.cleanup', output: {} } as never);
    expect(s.status).toBe('done');
  });
});

describe('finally after an operator decision', () => {
  it('runs the cleanup again after SKIP as after RETRY', () => {
    const machine = createProcedureMachine(
      compileProcedure(proc({ steps: [step('a'), step('b')], finally: [step('cleanup')] })),
      { noop: fromPromise(async () => ({})) },
    );
    let [s] = initialTransition(machine);
    [s] = transition(machine, s, {
      type: 'xstate.error.actor.a',
      error: { code: 'X', message: 'boom', at: 't' },
    } as never);
    [s] = transition(machine, s, { type: 'xstate.done.actor.cleanup', output: {} } as never);
    expect(s.value).toEqual({ main: { a: 'failed' }, finally: 'settled' });
    [s] = transition(machine, s, { type: 'SKIP', step: 'a' });
    expect(s.value).toEqual({ main: { b: 'running' }, finally: 'idle' });
    expect(s.context.skipped).toEqual(['a']);
    [s] = transition(machine, s, { type: 'xstate.done.actor.b', output: {} } as never);
    expect(s.value).toEqual({ main: 'completed', finally: { cleanup: 'running' } });
    [s] = transition(machine, s, { type: 'xstate.done.actor.cleanup', output: {} } as never);
    expect(s.status).toBe('done');
  });
});

describe('on_error inside a parallel branch', () => {
  it('is refused at load, positioned at the key', async () => {
    const { parseProcedure } = await import('../src/procedure/load-procedure.js');
    const { actions } = await import('../src/actions/index.js');
    const text = `procedure: p
steps:
  - id: block
    parallel:
      - id: a
        steps:
          - { id: a1, do: sql.exec, with: { sql: SELECT 1 }, on_error: after }
      - id: b
        steps:
          - { id: b1, do: sql.exec, with: { sql: SELECT 1 } }
  - id: after
    do: sql.exec
    with: { sql: SELECT 1 }
`;
    expect(() => parseProcedure(text, 'p.yaml', actions)).toThrow(
      /p\.yaml:7:\d+: .*on_error is not allowed inside a parallel branch/,
    );
  });
});

describe('finally after a failure inside a parallel block', () => {
  const parallel = {
    kind: 'parallel' as const,
    id: 'paths',
    branches: [
      { id: 'x', steps: [step('x1')] },
      { id: 'y', steps: [step('y1'), step('y2'), step('y3')] },
    ],
  };

  it('waits until every other branch has run its last step', () => {
    const machine = createProcedureMachine(
      compileProcedure(proc({ steps: [parallel, step('after')], finally: [step('report')] })),
      { noop: fromPromise(async () => ({})) },
    );
    let [s] = initialTransition(machine);
    expect(s.value).toEqual({
      main: { paths: { x: { x1: 'running' }, y: { y1: 'running' } } },
      finally: 'idle',
    });
    [s] = transition(machine, s, {
      type: 'xstate.error.actor.x1',
      error: { code: '42P01', message: 'relation "runs" does not exist', at: 't' },
    } as never);
    // Branch y is still going: between its steps nothing is in flight for an instant, and the
    // cleanup must not start in that instant.
    expect(s.context.running).toEqual(['y1']);
    expect(s.value).toMatchObject({ finally: 'idle' });
    [s] = transition(machine, s, { type: 'xstate.done.actor.y1', output: {} } as never);
    expect(s.value).toEqual({
      main: { paths: { x: { x1: 'failed' }, y: { y2: 'running' } } },
      finally: 'idle',
    });
    expect(s.context.running).toEqual(['y2']);
    [s] = transition(machine, s, { type: 'xstate.done.actor.y2', output: {} } as never);
    expect(s.value).toMatchObject({ finally: 'idle' });
    [s] = transition(machine, s, { type: 'xstate.done.actor.y3', output: {} } as never);
    // Now branch y is complete and x rests failed: main has settled, the cleanup starts.
    expect(s.value).toEqual({
      main: { paths: { x: { x1: 'failed' }, y: 'completed' } },
      finally: { report: 'running' },
    });
    expect(s.context.outputs).toHaveProperty('y3');
    expect(s.context.running).toEqual(['report']);
  });

  it('a RETRY of the failed branch step runs the cleanup again after the block completes', () => {
    const machine = createProcedureMachine(
      compileProcedure(proc({ steps: [parallel, step('after')], finally: [step('report')] })),
      { noop: fromPromise(async () => ({})) },
    );
    let [s] = initialTransition(machine);
    for (const id of ['y1', 'y2', 'y3'])
      [s] = transition(machine, s, { type: `xstate.done.actor.${id}`, output: {} } as never);
    [s] = transition(machine, s, {
      type: 'xstate.error.actor.x1',
      error: { code: 'X', message: 'boom', at: 't' },
    } as never);
    expect(s.value).toMatchObject({ finally: { report: 'running' } });
    [s] = transition(machine, s, { type: 'xstate.done.actor.report', output: {} } as never);
    expect(s.value).toMatchObject({ finally: 'settled' });
    s = getNextSnapshot(machine, s, { type: 'RETRY' });
    expect(s.context.running).toEqual(['x1']);
    [s] = transition(machine, s, { type: 'xstate.done.actor.x1', output: {} } as never);
    expect(s.value).toEqual({ main: { after: 'running' }, finally: 'idle' });
    [s] = transition(machine, s, { type: 'xstate.done.actor.after', output: {} } as never);
    expect(s.value).toEqual({ main: 'completed', finally: { report: 'running' } });
  });
});

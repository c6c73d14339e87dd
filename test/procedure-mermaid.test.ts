import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../src/json.js';
import { renderMermaid, type MermaidMachineConfig } from '../src/procedure/render-mermaid.js';

/** An action step state exactly as /work/prompts/machine.md describes it. */
function step(id: string, src: string, next: string, onError = 'failed'): JsonObject {
  const p = { step: id };
  return {
    initial: 'running',
    states: {
      running: {
        entry: [{ type: 'markRunning', params: p }],
        exit: [{ type: 'markSettled', params: p }],
        invoke: {
          id,
          src,
          input: p,
          onDone: { target: 'done', actions: [{ type: 'recordOutput', params: p }] },
          onError: { target: onError, actions: [{ type: 'recordFailure', params: p }] },
        },
      },
      failed: {
        on: {
          RETRY: { target: 'running', actions: [{ type: 'clearFailure', params: p }] },
          SKIP: {
            guard: { type: 'isStep', params: p },
            target: 'done',
            actions: [{ type: 'recordSkip', params: p }],
          },
        },
      },
      done: { type: 'final' },
    },
    onDone: next,
  };
}

/** Hand-written config: a step, a parallel block (one branch jumps out with on_error), finally. */
const config: MermaidMachineConfig = {
  id: 'ci',
  type: 'parallel',
  context: { running: [], failures: {}, outputs: {}, skipped: [], mainCompleted: false },
  states: {
    main: {
      initial: 'prepare',
      states: {
        prepare: step('prepare', 'sql.exec', 'paths'),
        paths: {
          type: 'parallel',
          states: {
            'path-a': {
              initial: 'upgrade-a',
              states: {
                'upgrade-a': step(
                  'upgrade-a',
                  'migrations.upgrade',
                  'completed',
                  '#ci.main.report',
                ),
                completed: { type: 'final' },
              },
            },
            'path-b': {
              initial: 'create-b',
              states: {
                'create-b': step('create-b', 'database.recreate', 'stamp-b'),
                'stamp-b': step('stamp-b', 'migrations.stamp', 'completed'),
                completed: { type: 'final' },
              },
            },
          },
          onDone: 'compare',
        },
        compare: step('compare', 'schema.diff', 'report', '#ci.main.report'),
        report: step('report', 'sql.exec', 'completed'),
        completed: { type: 'final', entry: [{ type: 'markMainCompleted' }] },
      },
    },
    finally: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'mainSettled', target: 'drop-a' } },
        'drop-a': step('drop-a', 'database.drop', 'drop-b', 'done'),
        'drop-b': step('drop-b', 'database.drop', 'settled', 'done'),
        settled: {
          always: { guard: 'allSucceeded', target: 'complete' },
          on: { RETRY: { target: 'idle', actions: [{ type: 'clearFinallyFailures' }] } },
        },
        complete: { type: 'final' },
      },
    },
  },
};

describe('renderMermaid', () => {
  const diagram = renderMermaid(config);
  const lines = diagram.split('\n').map((l) => l.trim());

  it('is a stateDiagram-v2 with the machine as a composite of two concurrent regions', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('[*] --> root');
    expect(lines).toContain('state "ci" as root');
    expect(lines).toContain('root --> [*]');
    const main = lines.indexOf('state main {');
    const fin = lines.indexOf('state finally {');
    expect(main).toBeGreaterThan(0);
    expect(fin).toBeGreaterThan(main);
    expect(lines.slice(main, fin)).toContain('--');
  });

  it('renders main steps in order with done edges and the final state', () => {
    expect(lines).toContain('[*] --> main_prepare');
    expect(lines).toContain('state "prepare (sql.exec)" as main_prepare');
    expect(lines).toContain('main_prepare --> main_paths');
    expect(lines).toContain('main_paths --> main_compare');
    expect(lines).toContain('main_compare --> main_report');
    expect(lines).toContain('main_report --> main_completed');
    expect(lines).toContain('main_completed --> [*]');
  });

  it('renders failed states with error, RETRY and SKIP edges', () => {
    expect(lines).toContain('state "prepare failed" as main_prepare_failed');
    expect(lines).toContain('main_prepare --> main_prepare_failed : error');
    expect(lines).toContain('main_prepare_failed --> main_prepare : RETRY');
    expect(lines).toContain('main_prepare_failed --> main_paths : SKIP');
    expect(lines).toContain('main_report_failed --> main_completed : SKIP');
  });

  it('renders parallel branches as concurrent regions separated by --', () => {
    const block = lines.indexOf('state main_paths {');
    const a = lines.indexOf('state main_paths_path_a {');
    const b = lines.indexOf('state main_paths_path_b {');
    expect(block).toBeGreaterThan(0);
    expect(a).toBeGreaterThan(block);
    expect(b).toBeGreaterThan(a);
    expect(lines.slice(a, b)).toContain('--');
    expect(lines).toContain('[*] --> main_paths_path_b_create_b');
    expect(lines).toContain('main_paths_path_b_create_b --> main_paths_path_b_stamp_b');
    expect(lines).toContain(
      'main_paths_path_b_stamp_b_failed --> main_paths_path_b_completed : SKIP',
    );
    expect(lines).toContain('main_paths_path_b_completed --> [*]');
  });

  it('draws on_error jumps, lifting one out of a branch to its block', () => {
    expect(lines).toContain('main_compare --> main_report : error (on_error)');
    expect(lines).not.toContain('state "compare failed" as main_compare_failed');
    expect(lines).toContain('main_paths --> main_report : upgrade-a error (on_error)');
    expect(diagram).not.toMatch(/main_paths_path_a_upgrade_a --> main_report/);
  });

  it('renders finally as its own composite with guards, recorded errors and RETRY', () => {
    expect(lines).toContain('[*] --> finally_idle');
    expect(lines).toContain('finally_idle --> finally_drop_a : mainSettled');
    expect(lines).toContain('finally_drop_a --> finally_drop_b : error (recorded)');
    expect(lines).toContain('finally_drop_a --> finally_drop_b');
    expect(lines).toContain('finally_drop_b --> finally_settled');
    expect(lines).toContain('finally_settled --> finally_complete : allSucceeded');
    expect(lines).toContain('finally_settled --> finally_idle : RETRY');
    expect(lines).toContain('finally_complete --> [*]');
  });

  it('is deterministic and uses only Mermaid-safe ids', () => {
    expect(renderMermaid(JSON.parse(JSON.stringify(config)) as MermaidMachineConfig)).toBe(diagram);
    expect(diagram.endsWith('}\n  root --> [*]\n')).toBe(true);
    for (const match of diagram.matchAll(/ as (\S+)$/gm))
      expect(match[1]).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
    const ids = [...diagram.matchAll(/ as (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

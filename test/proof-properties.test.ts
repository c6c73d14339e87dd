import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { actions } from '../src/actions/index.js';
import { InvalidInputError } from '../src/errors.js';
import { compileProcedure } from '../src/procedure/compile-procedure.js';
import { parseProcedure } from '../src/procedure/load-procedure.js';
import type { Procedure } from '../src/procedure/types.js';
import { REPO } from './support/cli.js';
import { walkMachine } from './support/proof-machine-walk.js';

// Property tests (issue 6): arbitrary procedure-shaped input either compiles to a machine whose
// every state is reachable, or is rejected with positioned problems; never anything else.
const ACTION_NAMES = [...actions.keys()];

const FILE = 'procedures/prop.yaml';

/** Every step id of a procedure (main steps, branches and their steps, finally). */
function stepIds(p: Procedure): string[] {
  const ids: string[] = [];
  const visit = (steps: readonly unknown[]): void => {
    for (const s of steps as {
      id: string;
      kind?: string;
      branches?: { id: string; steps: unknown[] }[];
    }[]) {
      ids.push(s.id);
      for (const b of s.branches ?? []) {
        ids.push(b.id);
        visit(b.steps);
      }
    }
  };
  visit(p.steps);
  visit(p.finally);
  return ids;
}

/** Loads and, when valid, compiles and walks; returns what happened. */
function check(text: string): 'compiled' | 'rejected' {
  let procedure: Procedure;
  try {
    procedure = parseProcedure(text, FILE, actions);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      expect(p.position, `problem without a position: ${p.message}`).toMatchObject({
        file: FILE,
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
    return 'rejected';
  }
  const config = compileProcedure(procedure);
  const walk = walkMachine(config, stepIds(procedure), ACTION_NAMES, 5_000);
  if (!walk.capped) {
    expect(walk.unreached, 'states no event sequence reaches').toEqual([]);
    expect(walk.reachedDone).toBe(true);
  }
  return 'compiled';
}

// Small alphabets, so that duplicates, dangling references and near-misses happen often.
const id = fc.constantFrom('a', 'b', 'c', 'd', 'setup', 'cleanup', 'Bad Id', '');
const action = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ACTION_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('sql.exce', 'nope', 'database.crate', '') },
  { weight: 1, arbitrary: fc.anything() },
);
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const expr = fc.constantFrom(
  '${{ params.p }}',
  '${{ params.missing }}',
  '${{ steps.a.output.x }}',
  '${{ ',
  'plain',
);
const actionStep = fc.record(
  {
    id,
    do: action,
    with: fc.dictionary(fc.constantFrom('sql', 'name', 'query', 'bogus'), fc.oneof(scalar, expr), {
      maxKeys: 2,
    }),
    on_error: id,
    when: fc.oneof(fc.boolean(), expr),
    extra: scalar,
  },
  { requiredKeys: ['id', 'do'] },
);
const parallelStep = fc.record({
  id,
  parallel: fc.array(
    fc.record({ id, steps: fc.array(actionStep, { minLength: 0, maxLength: 3 }) }),
    { minLength: 0, maxLength: 3 },
  ),
});
const procedureShaped = fc.record(
  {
    procedure: fc.oneof(fc.constant('prop'), fc.string({ maxLength: 6 })),
    description: fc.string({ maxLength: 10 }),
    requires: fc.oneof(fc.record({ authority: fc.constantFrom('local', 'neon'), role: fc.constantFrom('staging', 'prod') }), scalar),
    params: fc.dictionary(fc.constantFrom('p', 'q', 'bad name'), fc.record({ type: fc.constantFrom('string', 'number', 'boolean', 'path', 'map', 'nope'), default: scalar }, { requiredKeys: ['type'] }), { maxKeys: 2 }),
    steps: fc.oneof(fc.array(fc.oneof({ weight: 4, arbitrary: actionStep }, { weight: 1, arbitrary: parallelStep }), { minLength: 0, maxLength: 5 }), scalar),
    finally: fc.array(actionStep, { maxLength: 2 }),
    checklist: fc.array(fc.record({ item: fc.string({ maxLength: 5 }), step: id }), { maxLength: 2 }),
  },
  { requiredKeys: ['procedure', 'steps'] },
); // prettier-ignore

// Mostly valid procedures (unique ids, valid arguments), so compilation is exercised too.
const TEMPLATES: Record<string, unknown>[] = [
  { do: 'sql.exec', with: { sql: 'SELECT 1' } },
  { do: 'files.absent', with: { path: '.', patterns: ['x'] } },
  { do: 'confirm', with: { gate: 'g', message: 'm' } },
  { do: 'database.create', with: { name: 'x' } },
];
const template = fc.constantFrom(...TEMPLATES);
const validish = fc
  .record({
    ids: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), {
      minLength: 1,
      maxLength: 5,
    }),
    kinds: fc.array(fc.tuple(template, fc.nat(9), fc.boolean()), { minLength: 6, maxLength: 6 }),
    branches: fc.array(fc.array(template, { minLength: 1, maxLength: 2 }), {
      minLength: 1,
      maxLength: 3,
    }),
    finally: fc.array(template, { maxLength: 2 }),
  })
  .map(({ ids, kinds, branches, finally: fin }) => {
    const steps = ids.map((id, i) => {
      const [t, target, parallel] = kinds[i]!;
      if (parallel && i === 1)
        return {
          id,
          parallel: branches.map((b, j) => ({
            id: `${id}-p${j}`,
            steps: b.map((x, k) => ({ id: `${id}-p${j}-s${k}`, ...x })),
          })),
        };
      // on_error to a later step only (an earlier one may form a cycle, which is rejected).
      const later = ids.slice(i + 1);
      return { id, ...t, ...(target < later.length ? { on_error: later[target] } : {}) };
    });
    return {
      procedure: 'prop',
      requires: { authority: 'local', role: 'staging' },
      steps,
      ...(fin.length ? { finally: fin.map((x, k) => ({ id: `fin-${k}`, ...x })) } : {}),
      checklist: [{ item: 'first', step: ids[0] }],
    };
  });
/** One edit that usually makes a valid procedure invalid. */
const mutated = fc.tuple(validish, fc.nat(6), fc.anything()).map(([p, m, junk]) => {
  const q = JSON.parse(JSON.stringify(p)) as { steps: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  const first = q.steps[0]!;
  if (m === 0) q.steps.push({ ...first });
  if (m === 1) first.do = 'sql.exce';
  if (m === 2) first.with = {};
  if (m === 3) first.unknown_key = junk;
  if (m === 4) first.on_error = 'nowhere';
  if (m === 5) first.id = junk;
  if (m === 6) first.with = { sql: '${{ params.missing }}' };
  return q;
});

describe('loader and compiler properties', () => {
  it('arbitrary procedure-shaped YAML compiles to a fully reachable machine or is rejected with positions', () => {
    const outcomes = { compiled: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.oneof(validish, mutated, procedureShaped), (shape) => {
        outcomes[check(stringify(shape))]++;
      }),
      { numRuns: Number(process.env.RUNBOOK_PROPERTY_RUNS ?? 300) },
    );
    // The generator must exercise both outcomes, or the property proves little.
    expect(outcomes.compiled).toBeGreaterThan(10);
    expect(outcomes.rejected).toBeGreaterThan(10);
  });

  it('arbitrary text is rejected with positions or compiles, never throws anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        check(text);
      }),
      { numRuns: 300 },
    );
  });

  const shipped = readdirSync(path.join(REPO, 'procedures')).filter((f) => f.endsWith('.yaml'));
  it.each(shipped)(
    'procedures/%s reaches its final state and every failed state can be retried',
    (file) => {
      const full = path.join(REPO, 'procedures', file);
      const procedure = parseProcedure(readFileSync(full), full, actions);
      const walk = walkMachine(compileProcedure(procedure), stepIds(procedure), ACTION_NAMES);
      expect(walk.capped).toBe(false);
      expect(walk.reachedDone).toBe(true);
      expect(walk.unreached).toEqual([]);
      const failedStates = walk.allStates.filter(
        (s) => s.endsWith('.failed') && !walk.deadFailed.includes(s),
      );
      expect(failedStates.length).toBeGreaterThan(0);
      for (const f of failedStates) {
        const after = walk.retried.get(f);
        expect(after, `RETRY from ${f}`).toBeDefined();
        expect(after).toContain(f.replace(/failed$/, 'running'));
      }
    },
  );

  it('no step has a failed state nothing enters (finally and on_error steps have none)', () => {
    const text = `procedure: prop\nsteps:\n  - { id: a, do: sql.exec, with: { sql: SELECT 1 }, on_error: b }\n  - { id: b, do: sql.exec, with: { sql: SELECT 1 } }\nfinally:\n  - { id: z, do: sql.exec, with: { sql: SELECT 1 } }\n`;
    const procedure = parseProcedure(text, FILE, actions);
    const walk = walkMachine(compileProcedure(procedure), stepIds(procedure), ACTION_NAMES);
    expect(walk.unreached).toEqual([]);
    expect(walk.deadFailed).toEqual([]);
  });
});

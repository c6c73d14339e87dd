import type { ActionDefinition } from '../actions/types.js';
import type { InputProblem, SourcePosition } from '../errors.js';
import { checkReferences } from './check-references.js';
import { collectSteps, type StepEntry } from './collect-steps.js';
import { findExpressions } from './expressions.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { nearestName } from './nearest-name.js';
import { checkParamValue } from './param-value.js';
import { PARAM_TYPES, RESERVED_STEP_IDS } from './procedure-schema.js';
import type { ParamType } from './types.js';
import { writesProblems } from './writes-problems.js';
import { zodProblems } from './zod-problems.js';

type Positions = Readonly<Record<string, SourcePosition>>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Problems of one step's `with` against its action's schema, skipping values holding `${{ }}`. */
export function withProblems(
  action: ActionDefinition,
  args: Record<string, unknown>,
  segments: (string | number)[],
  positions: Positions,
  skipped: readonly (string | number)[][],
): InputProblem[] {
  const result = action.params.safeParse(args);
  if (result.success) return [];
  const startsWith = (path: readonly PropertyKey[], prefix: readonly PropertyKey[]) =>
    prefix.every((p, i) => path[i] === p);
  const issues = result.error.issues.filter((issue) => {
    if (skipped.some((s) => startsWith(issue.path, s))) return false;
    // An issue on an object holding an unresolved value may be caused by it (a refinement over
    // the whole object); unknown keys are still reported.
    const ancestor = skipped.some((s) => startsWith(s, issue.path));
    return !ancestor || issue.code === 'unrecognized_keys';
  });
  const shape = (action.params as { shape?: unknown }).shape;
  const known = isObject(shape) ? Object.keys(shape) : [];
  return zodProblems(issues, {
    value: args,
    positions,
    base: segments,
    noun: `argument of ${action.name}`,
    allowedKeys: (path) => (path.length === segments.length ? known : undefined),
  }).map((p) => ({
    ...p,
    message: p.message.startsWith('unknown') ? p.message : `${action.name}: ${p.message}`,
  }));
}

function at(positions: Positions, segments: (string | number)[]) {
  const path = formatKeyPath(segments);
  return { path, position: positionOf(positions, path) };
}

function idProblems(entries: readonly StepEntry[], positions: Positions): InputProblem[] {
  const problems: InputProblem[] = [];
  const first = new Map<string, StepEntry>();
  for (const entry of entries) {
    const seen = first.get(entry.id);
    if (seen) {
      const where = positionOf(positions, formatKeyPath([...seen.segments, 'id']));
      problems.push({
        ...at(positions, [...entry.segments, 'id']),
        message: `duplicate id \`${entry.id}\`: step ids must be unique across steps, branches and finally`,
        hint: `first used at line ${where?.line ?? '?'} (${formatKeyPath(seen.segments)}); rename one`,
      });
    } else {
      first.set(entry.id, entry);
    }
    if (RESERVED_STEP_IDS.includes(entry.id)) {
      problems.push({
        ...at(positions, [...entry.segments, 'id']),
        message: `\`${entry.id}\` is reserved for the compiled machine's own states`,
        hint: `rename it, e.g. \`${entry.id}-step\``,
      });
    }
  }
  return problems;
}

function onErrorProblems(entries: readonly StepEntry[], positions: Positions): InputProblem[] {
  const problems: InputProblem[] = [];
  const main = entries.filter((e) => e.scope === 'main');
  const targets = new Map<string, string>();
  for (const entry of entries) {
    const target = entry.raw.on_error;
    if (entry.kind !== 'action' || typeof target !== 'string') continue;
    const where = at(positions, [...entry.segments, 'on_error']);
    const found = entries.find((e) => e.id === target);
    if (entry.scope === 'branch') {
      // Jumping out of a parallel block would stop the sibling branches' actions mid-flight.
      problems.push({
        ...where,
        message: 'on_error is not allowed inside a parallel branch',
        hint: 'let the step fail (it can be retried or skipped on resume), or move the handling after the parallel block',
      });
      continue;
    }
    if (!found) {
      const near = nearestName(
        target,
        main.map((e) => e.id),
      );
      problems.push({
        ...where,
        message: `on_error names step \`${target}\`, which does not exist`,
        hint: near ? `did you mean \`${near}\`?` : 'name a step of the main sequence',
      });
    } else if (found.scope !== 'main') {
      problems.push({
        ...where,
        message: `on_error names \`${target}\`, which is inside ${found.scope === 'finally' ? 'finally' : 'a parallel block'}`,
        hint: 'on_error must name a step of the main sequence (finally runs anyway)',
      });
    } else {
      targets.set(entry.id, target);
    }
  }
  // A cycle of on_error targets would loop forever on a persistent failure.
  const reported = new Set<string>();
  for (const entry of entries) {
    if (typeof entry.raw.on_error !== 'string' || !targets.has(entry.id)) continue;
    if (reported.has(entry.id)) continue;
    const chain = [entry.id];
    let next = targets.get(entry.id);
    while (next !== undefined && !chain.includes(next)) {
      chain.push(next);
      next = targets.get(next);
    }
    if (next === entry.id) {
      chain.forEach((id) => reported.add(id));
      problems.push({
        ...at(positions, [...entry.segments, 'on_error']),
        message: `on_error cycle: ${[...chain, entry.id].join(' -> ')}`,
        hint: 'a step that keeps failing would loop forever; point one of them at a step outside the cycle',
      });
    }
  }
  return problems;
}

/**
 * The checks zod cannot make, run on the raw value (defensively, so they add to schema problems
 * rather than hide behind them): duplicate and reserved ids, unknown actions (nearest name as
 * hint), `on_error` targets and cycles, checklist steps, param defaults, `${{ }}` references and
 * each `with` against its action's schema (values holding expressions are checked at run time),
 * and a `requires.writes: false` the steps contradict.
 */
export function validateProcedure(
  root: unknown,
  positions: Positions,
  actions: ReadonlyMap<string, ActionDefinition>,
): InputProblem[] {
  const entries = collectSteps(root);
  const problems = [...idProblems(entries, positions), ...onErrorProblems(entries, positions)];
  for (const entry of entries) {
    if (entry.kind !== 'action' || typeof entry.raw.do !== 'string') continue;
    const action = actions.get(entry.raw.do);
    if (!action) {
      const near = nearestName(entry.raw.do, actions.keys());
      problems.push({
        ...at(positions, [...entry.segments, 'do']),
        message: `unknown action \`${entry.raw.do}\``,
        hint: near
          ? `did you mean ${near}?`
          : actions.size > 0
            ? `known actions: ${[...actions.keys()].sort().join(', ')}`
            : 'no actions are registered',
      });
      continue;
    }
    const args = entry.raw.with ?? {};
    if (!isObject(args)) continue;
    const skipped = [...new Set(findExpressions(args).map((e) => JSON.stringify(e.at)))].map(
      (s) => JSON.parse(s) as (string | number)[],
    );
    problems.push(...withProblems(action, args, [...entry.segments, 'with'], positions, skipped));
  }
  if (isObject(root) && Array.isArray(root.checklist)) {
    root.checklist.forEach((item, i) => {
      if (!isObject(item) || typeof item.step !== 'string') return;
      if (entries.some((e) => e.id === item.step)) return;
      const near = nearestName(
        item.step,
        entries.map((e) => e.id),
      );
      problems.push({
        ...at(positions, ['checklist', i, 'step']),
        message: `checklist names step \`${item.step}\`, which does not exist`,
        hint: near ? `did you mean \`${near}\`?` : 'name one of the procedure steps',
      });
    });
  }
  if (isObject(root) && isObject(root.params)) {
    for (const [name, spec] of Object.entries(root.params)) {
      if (name === '__proto__') {
        // The schema (zod) drops this key from every map, so the param would silently vanish.
        problems.push({
          ...at(positions, ['params', name]),
          message: 'a param cannot be named `__proto__`',
          hint: 'choose another name (other names of JavaScript built-ins, e.g. `constructor`, work)',
        });
        continue;
      }
      if (
        !isObject(spec) ||
        !Object.hasOwn(spec, 'default') ||
        typeof spec.type !== 'string' ||
        !PARAM_TYPES.includes(spec.type)
      )
        continue;
      const checked = checkParamValue(spec.type as ParamType, spec.default);
      if ('problem' in checked) {
        problems.push({
          ...at(positions, ['params', name, 'default']),
          message: `default of param \`${name}\` (${spec.type}): ${checked.problem.message}`,
          hint: checked.problem.hint,
        });
      }
    }
  }
  problems.push(...checkReferences(root, entries, positions));
  problems.push(...writesProblems(root, entries, positions, actions));
  return problems;
}

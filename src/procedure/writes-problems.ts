import type { ActionDefinition } from '../actions/types.js';
import type { InputProblem, SourcePosition } from '../errors.js';
import type { StepEntry } from './collect-steps.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { showValue } from './show-value.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The steps of a procedure that may write, in document order: every action step whose action is
 * not known to be read-only. `sql.exec`, `shell.exec` and any action the registry does not know
 * count as writing; only actions whose definition says `writes: false` (they run fixed catalog
 * queries, or a single statement in a READ ONLY transaction) do not.
 */
export function writingSteps(
  entries: readonly StepEntry[],
  actions: ReadonlyMap<string, ActionDefinition>,
): StepEntry[] {
  return entries.filter(
    (e) =>
      e.kind === 'action' &&
      typeof e.raw.do === 'string' &&
      (actions.get(e.raw.do)?.writes ?? true),
  );
}

/**
 * A `requires.writes: false` that the steps contradict is invalid input: whether a procedure
 * writes is derived from its steps, never taken on trust, so a declaration that would let a
 * `replica` run or spare `prod` its confirmation must agree with them. `writes: true` on a
 * read-only procedure is allowed (it only makes the checks stricter).
 */
export function writesProblems(
  root: unknown,
  entries: readonly StepEntry[],
  positions: Readonly<Record<string, SourcePosition>>,
  actions: ReadonlyMap<string, ActionDefinition>,
): InputProblem[] {
  if (!isObject(root) || !isObject(root.requires) || root.requires.writes !== false) return [];
  // Unknown actions are reported on their own; they are not counted against the declaration.
  const writing = writingSteps(entries, actions).filter(
    (e) => typeof e.raw.do === 'string' && actions.has(e.raw.do),
  );
  if (writing.length === 0) return [];
  const path = formatKeyPath(['requires', 'writes']);
  const named = writing
    .slice(0, 3)
    .map((e) => {
      const line = positionOf(positions, formatKeyPath([...e.segments, 'do']))?.line;
      return `\`${e.id}\` (${showValue(e.raw.do)}${line !== undefined ? `, line ${line}` : ''})`;
    })
    .join(', ');
  const more = writing.length > 3 ? ` and ${writing.length - 3} more` : '';
  return [
    {
      path,
      position: positionOf(positions, path),
      message: `declared false, but step ${named}${more} writes`,
      hint:
        'remove `writes: false`: whether a procedure writes is derived from its steps ' +
        '(sql.exec and shell.exec always count as writing; read-only checks: sql.expect, ' +
        'schema.snapshot, schema.expect, schema.diff, db.audit, migrations.current, …)',
    },
  ];
}

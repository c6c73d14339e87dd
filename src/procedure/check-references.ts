import type { InputProblem, SourcePosition } from '../errors.js';
import { comesBefore, type StepEntry } from './collect-steps.js';
import { findExpressions, type FoundExpression } from './expressions.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { nearestName } from './nearest-name.js';

type ParamTypes = ReadonlyMap<string, string>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The problem with one parsed reference, or undefined when it names something that exists. */
function referenceProblem(
  expr: FoundExpression,
  params: ParamTypes,
  entries: readonly StepEntry[],
  reader: StepEntry | undefined,
): { message: string; hint: string } | undefined {
  const quoted = `\`\${{ ${expr.text} }}\``;
  if (expr.error !== undefined || !expr.segments) {
    return {
      message: `${quoted}: ${expr.error}`,
      hint: 'write ${{ params.<name> }}, ${{ steps.<id>.output.<key> }}, ${{ run.id }}, ${{ run.dir }} or ${{ env.<NAME> }}',
    };
  }
  const [root, name, ...rest] = expr.segments as [string, string, ...string[]];
  if (root === 'params') {
    const type = params.get(name);
    if (type === undefined) {
      const near = nearestName(name, params.keys());
      return {
        message: `${quoted} names param \`${name}\`, which is not declared`,
        hint: near ? `did you mean \`params.${near}\`?` : `declare it under \`params:\``,
      };
    }
    if (rest.length > 0 && type !== 'map' && type !== 'list') {
      return {
        message: `${quoted}: param \`${name}\` is a ${type}; it has no field \`${rest[0]}\``,
        hint: `write \${{ params.${name} }} or declare ${name} as type map`,
      };
    }
    return undefined;
  }
  if (root === 'steps') {
    const target = entries.find((e) => e.id === name);
    if (!target) {
      const near = nearestName(
        name,
        entries.filter((e) => e.kind === 'action').map((e) => e.id),
      );
      return {
        message: `${quoted} names step \`${name}\`, which does not exist`,
        hint: near ? `did you mean \`steps.${near}\`?` : 'name a step defined above this one',
      };
    }
    if (target.kind !== 'action') {
      return {
        message: `${quoted}: \`${name}\` is a ${target.kind === 'branch' ? 'branch' : 'parallel block'}, which has no output`,
        hint: 'reference a step inside it: ${{ steps.<id>.output.<key> }}',
      };
    }
    if (reader && (target === reader || !comesBefore(target, reader))) {
      return {
        message: `${quoted}: step \`${name}\` does not come before step \`${reader.id}\``,
        hint: 'a step can only read the output of a step that settles before it starts',
      };
    }
    if (rest[0] !== 'output') {
      return {
        message: `${quoted}: a step exposes only \`output\``,
        hint: `write \${{ steps.${name}.output.<key> }}`,
      };
    }
    return undefined;
  }
  if (root === 'run') {
    if ((name !== 'id' && name !== 'dir') || rest.length > 0) {
      return {
        message: `${quoted}: run has only \`id\` and \`dir\``,
        hint: 'write ${{ run.id }} or ${{ run.dir }}',
      };
    }
    return undefined;
  }
  if (rest.length > 0) {
    return {
      message: `${quoted}: an environment variable has no fields`,
      hint: `write \${{ env.${name} }}`,
    };
  }
  return undefined;
}

/**
 * Checks every `${{ }}` expression of a raw procedure value (in each step's `with` and each
 * checklist `evidence`): syntax, declared params, existing steps that come before the reader, and
 * the `run`/`env` forms. Problems are positioned at the key holding the expression.
 */
export function checkReferences(
  root: unknown,
  entries: readonly StepEntry[],
  positions: Readonly<Record<string, SourcePosition>>,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const params: ParamTypes = new Map(
    isObject(root) && isObject(root.params)
      ? Object.entries(root.params).map(([k, v]) => [
          k,
          isObject(v) && typeof v.type === 'string' ? v.type : '',
        ])
      : [],
  );
  const check = (value: unknown, segments: (string | number)[], reader?: StepEntry) => {
    for (const expr of findExpressions(value)) {
      const problem = referenceProblem(expr, params, entries, reader);
      if (!problem) continue;
      const path = formatKeyPath([...segments, ...expr.at]);
      problems.push({ ...problem, path, position: positionOf(positions, path) });
    }
  };
  for (const entry of entries) {
    if (entry.kind === 'action' && 'with' in entry.raw) {
      check(entry.raw.with, [...entry.segments, 'with'], entry);
    }
    for (const key of ['when', 'unless'] as const) {
      if (entry.kind === 'action' && key in entry.raw)
        check(entry.raw[key], [...entry.segments, key], entry);
    }
  }
  const checklist = isObject(root) && Array.isArray(root.checklist) ? root.checklist : [];
  checklist.forEach((item, i) => {
    if (isObject(item) && 'evidence' in item) check(item.evidence, ['checklist', i, 'evidence']);
  });
  return problems;
}

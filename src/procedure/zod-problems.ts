import type { z } from 'zod';
import type { InputProblem, SourcePosition } from '../errors.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { nearestName } from './nearest-name.js';

type Issue = z.core.$ZodIssue;
type Segments = (string | number)[];

/** How to describe the problems of one validated value. */
export interface ProblemContext {
  /** The value that was validated (to tell missing keys from wrong ones, pick union branches). */
  value: unknown;
  /** Positions by key path, for the whole file. */
  positions: Readonly<Record<string, SourcePosition>>;
  /** Where the validated value sits in the file (e.g. `['steps', 2, 'with']`). */
  base?: Segments;
  /** Keys allowed in the object at a (full) path, for "did you mean" hints on unknown keys. */
  allowedKeys?: (path: Segments) => readonly string[] | undefined;
  /** What to call a key in messages (`key` in a procedure, `argument` in an action's `with`). */
  noun?: string;
  /** The JSON Schema file a hint points at (default `procedure.schema.json`). */
  schemaFile?: string;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Picks the union branch the author meant: a `parallel:` step, a list, or else the first. */
function pickBranch(value: unknown, branches: Issue[][]): Issue[] {
  let index = 0;
  if (Array.isArray(value)) index = 1;
  else if (value !== null && typeof value === 'object' && 'parallel' in value) index = 1;
  return branches[Math.min(index, branches.length - 1)] ?? [];
}

/**
 * Turns zod issues into positioned problems: one per unknown key (with the nearest allowed key as
 * hint), "missing required key" for absent keys, the nearest option for a bad enum value, and the
 * branch the author meant for a union. Every problem carries a key path and a hint.
 */
export function zodProblems(issues: readonly Issue[], ctx: ProblemContext): InputProblem[] {
  const base = ctx.base ?? [];
  const noun = ctx.noun ?? 'key';
  const seeSchema = `see ${ctx.schemaFile ?? 'procedure.schema.json'}`;
  const problems: InputProblem[] = [];
  const at = (segments: Segments) => {
    const path = formatKeyPath(segments);
    return { path, position: positionOf(ctx.positions, path) };
  };

  const visit = (issue: Issue, prefix: Segments): void => {
    const rel: Segments = [...prefix, ...(issue.path as Segments)];
    const full: Segments = [...base, ...rel];
    switch (issue.code) {
      case 'invalid_union': {
        const branch = pickBranch(valueAt(ctx.value, rel), issue.errors);
        if (branch.length === 0) {
          problems.push({ ...at(full), message: issue.message, hint: seeSchema });
        }
        for (const sub of branch) visit(sub, rel);
        return;
      }
      case 'unrecognized_keys': {
        const allowed = ctx.allowedKeys?.(full) ?? [];
        for (const key of issue.keys) {
          const near = nearestName(key, allowed);
          problems.push({
            ...at([...full, key]),
            message: `unknown ${noun} \`${key}\``,
            hint: near
              ? `did you mean \`${near}\`?`
              : allowed.length > 0
                ? `allowed: ${allowed.join(', ')}`
                : 'remove it',
          });
        }
        return;
      }
      case 'invalid_type': {
        const parent = valueAt(ctx.value, rel.slice(0, -1));
        const key = rel[rel.length - 1];
        const missing =
          key !== undefined &&
          parent !== null &&
          typeof parent === 'object' &&
          !Array.isArray(parent) &&
          !Object.prototype.hasOwnProperty.call(parent, key);
        if (missing) {
          problems.push({
            ...at(full),
            message: `missing required ${noun} \`${String(key)}\``,
            hint: `add \`${String(key)}:\` (${issue.expected})`,
          });
        } else {
          problems.push({
            ...at(full),
            message: issue.message.replace(/^Invalid input: /, ''),
            hint: `write ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map' : `a ${issue.expected}`} here`,
          });
        }
        return;
      }
      case 'invalid_value': {
        const got = valueAt(ctx.value, rel);
        const options = issue.values.map(String);
        const near = typeof got === 'string' ? nearestName(got, options) : undefined;
        problems.push({
          ...at(full),
          message: `\`${String(got)}\` is not one of ${options.join(', ')}`,
          hint: near ? `did you mean \`${near}\`?` : `use one of ${options.join(', ')}`,
        });
        return;
      }
      case 'invalid_key': {
        problems.push({
          ...at(full),
          message: `invalid name \`${String(rel[rel.length - 1])}\`: ${issue.issues.map((i) => i.message).join('; ')}`,
          hint: 'use letters, digits, _ and -, starting with a letter or _',
        });
        return;
      }
      case 'invalid_format': {
        problems.push({
          ...at(full),
          message: `\`${String(valueAt(ctx.value, rel))}\` ${issue.message}`,
          hint:
            rel[rel.length - 1] === 'id'
              ? 'e.g. `recreate-database`'
              : rel[rel.length - 1] === 'procedure'
                ? 'e.g. `local-equivalence`'
                : `write a value matching the ${issue.format} format`,
        });
        return;
      }
      case 'too_small': {
        problems.push({
          ...at(full),
          message: issue.message.replace(/^Too small: /, ''),
          hint: issue.origin === 'array' ? 'add at least one entry' : 'give a non-empty value',
        });
        return;
      }
      default:
        problems.push({ ...at(full), message: issue.message, hint: seeSchema });
    }
  };
  for (const issue of issues) visit(issue, []);
  return problems;
}

import type { z } from 'zod';
import type { InputProblem, SourcePosition } from '../errors.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { nearestName } from './nearest-name.js';
import { showValue } from './show-value.js';

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

type IssueOf<C extends Issue['code']> = Extract<Issue, { code: C }>;

/** One issue's place: its path in the validated value (`rel`) and in the file (`full`). */
interface IssueSite {
  ctx: ProblemContext;
  rel: Segments;
  full: Segments;
}

const nounOf = (ctx: ProblemContext): string => ctx.noun ?? 'key';
const seeSchema = (ctx: ProblemContext): string =>
  `see ${ctx.schemaFile ?? 'procedure.schema.json'}`;

/** A problem at `segments` (a full path): its formatted key path and source position. */
function at(ctx: ProblemContext, segments: Segments): Omit<InputProblem, 'message' | 'hint'> {
  const path = formatKeyPath(segments);
  return { path, position: positionOf(ctx.positions, path) };
}

/** One problem per unknown key, hinting at the nearest allowed key (or listing them). */
function unknownKeys(issue: IssueOf<'unrecognized_keys'>, s: IssueSite): InputProblem[] {
  const allowed = s.ctx.allowedKeys?.(s.full) ?? [];
  return issue.keys.map((key) => {
    const near = nearestName(key, allowed);
    return {
      ...at(s.ctx, [...s.full, key]),
      message: `unknown ${nounOf(s.ctx)} \`${key}\``,
      hint: near
        ? `did you mean \`${near}\`?`
        : allowed.length > 0
          ? `allowed: ${allowed.join(', ')}`
          : 'remove it',
    };
  });
}

/** A missing required key (absent from its map), or else a value of the wrong type. */
function wrongType(issue: IssueOf<'invalid_type'>, s: IssueSite): InputProblem {
  const parent = valueAt(s.ctx.value, s.rel.slice(0, -1));
  const key = s.rel[s.rel.length - 1];
  const missing =
    key !== undefined &&
    parent !== null &&
    typeof parent === 'object' &&
    !Array.isArray(parent) &&
    !Object.prototype.hasOwnProperty.call(parent, key);
  if (missing) {
    return {
      ...at(s.ctx, s.full),
      message: `missing required ${nounOf(s.ctx)} \`${String(key)}\``,
      hint: `add \`${String(key)}:\` (${issue.expected})`,
    };
  }
  return {
    ...at(s.ctx, s.full),
    message: issue.message.replace(/^Invalid input: /, ''),
    hint: `write ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map' : `a ${issue.expected}`} here`,
  };
}

/** A value outside an enum, hinting at the nearest option. */
function notAnOption(issue: IssueOf<'invalid_value'>, s: IssueSite): InputProblem {
  const got = valueAt(s.ctx.value, s.rel);
  const options = issue.values.map(String);
  const near = typeof got === 'string' ? nearestName(got, options) : undefined;
  return {
    ...at(s.ctx, s.full),
    message: `\`${showValue(got)}\` is not one of ${options.join(', ')}`,
    hint: near ? `did you mean \`${near}\`?` : `use one of ${options.join(', ')}`,
  };
}

/** A string that does not match its format, with an example for the ids runbook names. */
function badFormat(issue: IssueOf<'invalid_format'>, s: IssueSite): InputProblem {
  const last = s.rel[s.rel.length - 1];
  return {
    ...at(s.ctx, s.full),
    message: `\`${showValue(valueAt(s.ctx.value, s.rel))}\` ${issue.message}`,
    hint:
      last === 'id'
        ? 'e.g. `recreate-database`'
        : last === 'procedure'
          ? 'e.g. `local-equivalence`'
          : `write a value matching the ${issue.format} format`,
  };
}

/** The problems of one issue other than a union's (those are chosen in {@link zodProblems}). */
function issueProblems(
  issue: Exclude<Issue, IssueOf<'invalid_union'>>,
  s: IssueSite,
): InputProblem[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownKeys(issue, s);
    case 'invalid_type':
      return [wrongType(issue, s)];
    case 'invalid_value':
      return [notAnOption(issue, s)];
    case 'invalid_key':
      return [
        {
          ...at(s.ctx, s.full),
          message: `invalid name \`${String(s.rel[s.rel.length - 1])}\`: ${issue.issues.map((i) => i.message).join('; ')}`,
          hint: 'use letters, digits, _ and -, starting with a letter or _',
        },
      ];
    case 'invalid_format':
      return [badFormat(issue, s)];
    case 'too_small':
      return [
        {
          ...at(s.ctx, s.full),
          message: issue.message.replace(/^Too small: /, ''),
          hint: issue.origin === 'array' ? 'add at least one entry' : 'give a non-empty value',
        },
      ];
    default:
      return [{ ...at(s.ctx, s.full), message: issue.message, hint: seeSchema(s.ctx) }];
  }
}

/**
 * Turns zod issues into positioned problems: one per unknown key (with the nearest allowed key as
 * hint), "missing required key" for absent keys, the nearest option for a bad enum value, and the
 * branch the author meant for a union. Every problem carries a key path and a hint.
 */
export function zodProblems(issues: readonly Issue[], ctx: ProblemContext): InputProblem[] {
  const base = ctx.base ?? [];
  const problems: InputProblem[] = [];
  const visit = (issue: Issue, prefix: Segments): void => {
    const rel: Segments = [...prefix, ...(issue.path as Segments)];
    const full: Segments = [...base, ...rel];
    if (issue.code !== 'invalid_union') {
      problems.push(...issueProblems(issue, { ctx, rel, full }));
      return;
    }
    const branch = pickBranch(valueAt(ctx.value, rel), issue.errors);
    if (branch.length === 0) {
      problems.push({ ...at(ctx, full), message: issue.message, hint: seeSchema(ctx) });
    }
    for (const sub of branch) visit(sub, rel);
  };
  for (const issue of issues) visit(issue, []);
  return problems;
}

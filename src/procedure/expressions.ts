import { StepError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { REDACTED } from '../postgres/redact.js';

/** The names an expression may start with. */
export const EXPRESSION_ROOTS = ['params', 'steps', 'run', 'env'] as const;

/** One `${{ ... }}` found inside a value. */
export interface FoundExpression {
  /** Where inside the value (keys and indexes); empty for the value itself. */
  at: (string | number)[];
  /** The whole `${{ ... }}` text. */
  source: string;
  /** The reference inside, trimmed (`params.database`). */
  text: string;
  /** The reference split on dots (`['params', 'database']`); absent when `error` is set. */
  segments?: string[];
  /** Syntax problem (empty, unterminated, bad characters, unknown root). */
  error?: string;
}

/** What expressions resolve against when a step runs. */
export interface ExpressionScope {
  params?: Record<string, JsonValue>;
  /** Outputs of settled steps, by step id. */
  steps?: Record<string, { output?: JsonObject }>;
  run?: { id: string; dir: string };
  env?: Readonly<Record<string, string | undefined>>;
}

/** An expression named something the scope does not hold. Fails the step (`EXPRESSION_UNRESOLVED`). */
export class ExpressionError extends StepError {
  constructor(
    /** The reference that failed, e.g. `steps.migrate.output.head`. */
    readonly expression: string,
    message: string,
  ) {
    super('EXPRESSION_UNRESOLVED', message, { data: { expression } });
  }
}

const EXPRESSION = /\$\{\{(.*?)\}\}/gs;
const WHOLE = /^\$\{\{(.*?)\}\}$/s;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Parses the inside of `${{ }}` into segments, or returns a message saying what is wrong. */
export function parseReference(text: string): { segments: string[] } | { error: string } {
  const inner = text.trim();
  if (inner === '') return { error: 'empty expression' };
  const segments = inner.split('.');
  if (!segments.every((s) => SEGMENT.test(s))) {
    return { error: `\`${inner}\` is not a dotted name (letters, digits, _ and - between dots)` };
  }
  const root = segments[0]!;
  if (!(EXPRESSION_ROOTS as readonly string[]).includes(root)) {
    return { error: `\`${inner}\` must start with one of ${EXPRESSION_ROOTS.join(', ')}` };
  }
  if (segments.length < 2) return { error: `\`${inner}\` names no field of ${root}` };
  return { segments };
}

/**
 * Every `${{ }}` expression in a JSON value (strings at any depth), in document order, each with
 * its location and parsed reference (or a syntax error). A `${{` without a closing `}}` is
 * reported as an error too.
 */
export function findExpressions(value: unknown): FoundExpression[] {
  const found: FoundExpression[] = [];
  const walk = (v: unknown, at: (string | number)[]): void => {
    if (typeof v === 'string') {
      let end = 0;
      for (const match of v.matchAll(EXPRESSION)) {
        const text = match[1]!.trim();
        const parsed = parseReference(text);
        found.push({ at, source: match[0], text, ...parsed });
        end = match.index + match[0].length;
      }
      if (v.indexOf('${{', end) !== -1) {
        const rest = v.slice(v.indexOf('${{', end));
        found.push({ at, source: rest, text: rest, error: 'unterminated expression (no `}}`)' });
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...at, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
    }
  };
  walk(value, []);
  return found;
}

function lookup(scope: ExpressionScope, segments: string[], text: string): JsonValue {
  let current: unknown = scope;
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i]!;
    const container = current;
    const has =
      container !== null &&
      typeof container === 'object' &&
      Object.prototype.hasOwnProperty.call(container, key);
    const next = has ? (container as Record<string, unknown>)[key] : undefined;
    if (next === undefined) {
      const where = segments.slice(0, i).join('.') || 'the scope';
      const keys =
        container !== null && typeof container === 'object' ? Object.keys(container) : [];
      const known = keys.length > 0 ? ` (it has: ${keys.sort().join(', ')})` : '';
      throw new ExpressionError(text, `\`\${{ ${text} }}\`: ${where} has no \`${key}\`${known}`);
    }
    current = next;
  }
  // A step's output is masked where it held a secret: passed on, `***` would be taken for data
  // (a database `***` that a drop finds nothing of): the step using it fails instead.
  if (segments[0] === 'steps' && holdsMask(current)) {
    throw new ExpressionError(
      text,
      `\`\${{ ${text} }}\` was masked (***) as it holds a secret value: it cannot be passed on`,
    );
  }
  return current as JsonValue;
}

/** Whether a value holds the mask {@link REDACTED} (in a string at any depth). */
function holdsMask(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(REDACTED);
  if (Array.isArray(value)) return value.some(holdsMask);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsMask);
  return false;
}

function stringify(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Replaces every `${{ }}` in a JSON value. A string that is exactly one expression becomes the
 * referenced value itself (maps, lists and numbers pass through); an expression embedded in a
 * longer string is replaced by its text (non-strings as JSON). Throws {@link ExpressionError}
 * naming the first reference the scope does not hold, or a malformed expression.
 */
export function resolveExpressions(value: JsonValue, scope: ExpressionScope): JsonValue {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return value;
    const bad = findExpressions(value).find((e) => e.error !== undefined);
    if (bad) throw new ExpressionError(bad.text, `${bad.error} in \`${value}\``);
    const resolveOne = (inner: string): JsonValue =>
      lookup(scope, inner.trim().split('.'), inner.trim());
    const whole = WHOLE.exec(value);
    if (whole && !whole[1]!.includes('}}')) return resolveOne(whole[1]!);
    return value.replace(EXPRESSION, (_m, inner: string) => stringify(resolveOne(inner)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveExpressions(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveExpressions(v, scope)]),
    );
  }
  return value;
}

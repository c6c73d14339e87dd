import { parse } from 'yaml';
import { InvalidInputError, type InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import { positionOf } from './key-path.js';
import { nearestName } from './nearest-name.js';
import { checkParamValue } from './param-value.js';
import type { Procedure } from './types.js';

const TEXT_TYPES = new Set(['string', 'path', 'url']);

/**
 * Resolves a run's params from `--param k=v` flags and the declared defaults. Each value is read
 * as YAML (`--param expect='{public: 3}'` is a map, `--param n=3` a number; for string, path and
 * url params a value that YAML does not read as a string is taken verbatim), then checked against
 * the declared type: `path` becomes absolute against `cwd`, `url` must be a PostgreSQL URL.
 * Throws one {@link InvalidInputError} listing every unknown flag (with the nearest declared
 * param), bad value and missing required param. Messages never echo a secret value.
 */
export function resolveParams(
  procedure: Procedure,
  raw: Readonly<Record<string, string>>,
  cwd: string,
): Record<string, JsonValue> {
  const problems: InputProblem[] = [];
  const declared = Object.keys(procedure.params);
  const declaredAt = (name: string) => positionOf(procedure.source.positions, `params.${name}`);

  // Own keys only: a param may be named like an Object.prototype member (`toString`).
  const has = (o: object, k: string): boolean => Object.hasOwn(o, k);
  for (const name of Object.keys(raw)) {
    if (has(procedure.params, name)) continue;
    const near = nearestName(name, declared);
    problems.push({
      path: `--param ${name}`,
      message: `unknown param \`${name}\` for procedure ${procedure.name}`,
      hint: near
        ? `did you mean --param ${near}=...?`
        : declared.length > 0
          ? `declared params: ${declared.join(', ')}`
          : `${procedure.name} takes no params`,
    });
  }

  const values: Record<string, JsonValue> = {};
  for (const [name, spec] of Object.entries(procedure.params)) {
    const text = has(raw, name) ? raw[name] : undefined;
    let value: unknown;
    let from: string;
    if (text !== undefined) {
      from = `--param ${name}`;
      try {
        value = parse(text);
      } catch (error) {
        problems.push({
          path: from,
          position: declaredAt(name),
          message: `value is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
          hint: `quote the value, e.g. --param ${name}='"..."'`,
        });
        continue;
      }
      if (TEXT_TYPES.has(spec.type) && typeof value !== 'string') value = text;
    } else if (spec.default !== undefined) {
      from = `params.${name}.default`;
      value = spec.default;
    } else {
      problems.push({
        path: `--param ${name}`,
        position: declaredAt(name),
        message: `missing param \`${name}\` (${spec.type}${spec.description ? `: ${spec.description}` : ''})`,
        hint: `pass --param ${name}=<${spec.type}> or declare a default`,
      });
      continue;
    }
    const checked = checkParamValue(spec.type, value, cwd);
    if ('problem' in checked) {
      problems.push({
        path: from,
        position: declaredAt(name),
        message: `param \`${name}\` is declared ${spec.type}: ${checked.problem.message}`,
        hint: checked.problem.hint,
      });
    } else {
      // A data property even for `__proto__` (an assignment would set the prototype instead).
      Object.defineProperty(values, name, {
        value: checked.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return values;
}

// The engine prepares a run's params with these three; they live in their own files.
export { redactParams } from './redact-params.js';
export { validateStepArguments } from './validate-step-arguments.js';

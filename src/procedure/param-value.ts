import { resolve } from 'node:path';
import type { JsonValue } from '../json.js';
import { parseDatabaseUrl } from '../postgres/url.js';
import type { ParamType } from './types.js';

/** A value that does not fit its declared type: what is wrong and how to write it instead. */
export interface ParamValueProblem {
  message: string;
  hint: string;
}

const isPlainObject = (v: unknown): v is Record<string, JsonValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : isPlainObject(v) ? 'a map' : typeof v;

/**
 * Checks (and normalises) one param value against its declared type. `path` values become
 * absolute, resolved against `cwd` (when given; at load time paths are only checked to be
 * strings). `url` values must be PostgreSQL URLs; problems never echo a password.
 */
export function checkParamValue(
  type: ParamType,
  value: unknown,
  cwd?: string,
): { value: JsonValue } | { problem: ParamValueProblem } {
  const bad = (expected: string, hint: string) => ({
    problem: { message: `expected ${expected}, got ${describe(value)}`, hint },
  });
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { value } : bad('a string', 'quote the value');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { value }
        : bad('a number', 'write a number, e.g. 3 or 2.5');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? { value }
        : bad('an integer', 'write a whole number, e.g. 3');
    case 'boolean':
      return typeof value === 'boolean' ? { value } : bad('a boolean', 'write true or false');
    case 'list':
      return Array.isArray(value)
        ? { value: value as JsonValue[] }
        : bad('a list', "write a YAML list, e.g. '[a, b]'");
    case 'map':
      return isPlainObject(value)
        ? { value }
        : bad('a map', "write a YAML map, e.g. '{public: 3}'");
    case 'path':
      if (typeof value !== 'string' || value === '') {
        return bad('a path', 'write a file or directory path');
      }
      return { value: cwd === undefined ? value : resolve(cwd, value) };
    case 'url':
      if (typeof value !== 'string') {
        return bad('a PostgreSQL URL', 'write postgres://user@host:5432/database');
      }
      try {
        parseDatabaseUrl(value);
        return { value };
      } catch (error) {
        return {
          problem: {
            message: (error as Error).message,
            hint: 'write postgres://user@host:5432/database',
          },
        };
      }
  }
}

import type { JsonValue } from '../json.js';
import { isSecretKey, REDACTED, redactJson } from '../postgres/redact.js';
import { findExpressions } from './expressions.js';
import { isSecretName } from './secret-names.js';
import type { Procedure } from './types.js';

/**
 * Every string inside a JSON value (itself, or the items and values of a list or map), and every
 * number as its decimal text (a secret PIN declared `type: integer`).
 */
function strings(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** {@link secretEnvNames} by procedure: a run asks for every step. */
const envNames = new WeakMap<Procedure, readonly string[]>();

/**
 * The environment variables a procedure's steps read (`${{ env.NAME }}` in their arguments or
 * conditions, `finally` included) whose names read as a secret's, as params' names do
 * (`API_TOKEN`, `DB_PASSWORD`, `CLIENT_SECRET`, `PGPASS`: see `isSecretName`).
 */
export function secretEnvNames(procedure: Procedure): readonly string[] {
  let names = envNames.get(procedure);
  if (!names) {
    const read = findExpressions({ steps: procedure.steps, finally: procedure.finally })
      .map((e) => e.segments)
      .filter((s): s is string[] => s?.[0] === 'env' && s[1] !== undefined)
      .map((s) => s[1]!);
    names = [...new Set(read)].filter(isSecretName);
    envNames.set(procedure, names);
  }
  return names;
}

/**
 * The texts to hide in this run: the values of a procedure's `secret: true` params (a secret
 * string or number, or every string and number inside a secret list or map), and of the
 * variables of `env` its steps read that are named like secrets ({@link secretEnvNames}; not a
 * value of fewer than 4 characters or a switch such as `true`): a password an expression brings
 * (`curl -u ops:${{ env.OPS_PASSWORD }}`) is masked in what is printed and kept, as a secret
 * param's is.
 */
export function secretValues(
  procedure: Procedure,
  params: Record<string, JsonValue>,
  env: Readonly<Record<string, string | undefined>> = {},
): string[] {
  return [
    ...withLines(
      Object.entries(procedure.params)
        .filter(([, spec]) => spec.secret)
        .flatMap(([name]) => strings(params[name])),
    ),
    ...secretEnvValues(env, secretEnvNames(procedure)),
  ].filter((v) => v.length > 0);
}

/**
 * The values of `env`'s variables named like secrets (`isSecretName`, or a libpq password
 * keyword such as `PGPASSWORD`), of those in `names` when given: not a value of fewer than 4
 * characters or a switch such as `true` ({@link NOT_A_SECRET}). A value of several lines (a PEM
 * key) comes with each of its lines of 8 characters or more, so that a piece of it cut from a
 * longer text is masked too.
 */
export function secretEnvValues(
  env: Readonly<Record<string, unknown>>,
  names: readonly string[] = Object.keys(env).filter((k) => isSecretName(k) || isSecretKey(k)),
): string[] {
  return withLines(
    names
      .map((name) => env[name])
      .filter((v): v is string => typeof v === 'string' && !NOT_A_SECRET.test(v)),
  );
}

/** `values` and, for each of several lines, its lines of 8 characters or more. */
function withLines(values: readonly string[]): string[] {
  return values.flatMap((v) =>
    v.includes('\n') ? [v, ...v.split(/\r?\n/).filter((l) => l.trim().length >= 8)] : [v],
  );
}

/**
 * A variable of the environment a run inherits that surely holds a secret, named for it in the
 * upper-case way: `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN`, `DB_PASSWORD`, `PGPASSWORD`;
 * not a setting about one (`TOKEN_TTL`, `PASSWORD_STORE_DIR`, `AUTH_MODE`, `PWD`).
 */
const AMBIENT_SECRET =
  /(?:^|_)(?:PG)?(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(?:$|_)/;
const ABOUT_A_SECRET =
  /_(?:DIR|FILE|PATH|TTL|EXPIRY|EXPIRES|EXPIRATION|TYPE|MODE|URL|URI|NAME|ID|LENGTH|SIZE|COUNT|TIMEOUT|HOST|PORT|USER|ENABLED|REQUIRED|ENCRYPTION)$/;

/** {@link ambientSecretValues} by environment: every step of a run asks. */
const ambient = new WeakMap<object, readonly string[]>();

/**
 * The values of the variables of `env` (the run's environment, which a command a step starts
 * inherits) that surely hold a secret ({@link AMBIENT_SECRET}), of 8 characters or more: masked
 * in everything a step records and prints, whether the procedure names them or not, as a command
 * may print them (`echo $GITHUB_TOKEN`, `set -x`).
 */
export function ambientSecretValues(
  env: Readonly<Record<string, string | undefined>>,
): readonly string[] {
  let values = ambient.get(env);
  if (!values) {
    const names = Object.keys(env).filter(
      (k) => AMBIENT_SECRET.test(k.toUpperCase()) && !ABOUT_A_SECRET.test(k.toUpperCase()),
    );
    values = secretEnvValues(env, names).filter((v) => v.length >= 8);
    ambient.set(env, values);
  }
  return values;
}

/**
 * A variable's value too short to be a secret, or a switch: `RESET_PASSWORD=1` or
 * `REQUIRE_AUTH=on` names no secret, and masking `1` or `on` would mask it in every output.
 */
const NOT_A_SECRET = /^(?:.{0,3}|true|false|yes|no|on|off)$/is;

/**
 * The params as they may be printed or written (run.json, the event log): a param declared
 * `secret: true` becomes `***`, and the password of any URL anywhere in a value is replaced.
 */
export function redactParams(
  procedure: Procedure,
  params: Readonly<Record<string, JsonValue>>,
): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      procedure.params[name]?.secret ? REDACTED : redactJson(value),
    ]),
  );
}

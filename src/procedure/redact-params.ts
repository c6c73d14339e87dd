import type { JsonValue } from '../json.js';
import { isSecretKey, REDACTED, redactJson } from '../postgres/redact.js';
import { findExpressions } from './expressions.js';
import { isSecretName } from './secret-names.js';
import type { Procedure } from './types.js';

/**
 * Every string inside a JSON value (itself, or the items and values of a list or map), and every
 * number as its decimal text (a secret PIN declared `type: integer`).
 */
export function strings(value: JsonValue | undefined): string[] {
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
    ...Object.entries(procedure.params)
      .filter(([, spec]) => spec.secret)
      .flatMap(([name]) => strings(params[name])),
    ...secretEnvValues(env, secretEnvNames(procedure)),
  ].filter((v) => v.length > 0);
}

/**
 * The values of `env`'s variables named like secrets (`isSecretName`, or a libpq password
 * keyword such as `PGPASSWORD`), of those in `names` when given: not a value of fewer than 4
 * characters or a switch such as `true` ({@link NOT_A_SECRET}).
 */
export function secretEnvValues(
  env: Readonly<Record<string, unknown>>,
  names: readonly string[] = Object.keys(env).filter((k) => isSecretName(k) || isSecretKey(k)),
): string[] {
  return names
    .map((name) => env[name])
    .filter((v): v is string => typeof v === 'string' && !NOT_A_SECRET.test(v));
}

/**
 * `values` and, for each of several lines (a PEM key), its lines of 8 characters or more: for a
 * command's output, whose start may have been cut inside one.
 */
export function withLines(values: readonly string[]): string[] {
  return values.flatMap((v) =>
    v.includes('\n') ? [v, ...v.split(/\r?\n/).filter((l) => l.trim().length >= 8)] : [v],
  );
}

/**
 * A name about a secret rather than holding one (`PASSWORD_STORE_DIR`, `TOKEN_TTL`,
 * `OAUTH_TOKEN_ENDPOINT`, `DB_SECRET_ARN`, `API_KEY_HEADER`), or the shell's working directory
 * (`PWD` reads as a secret's name).
 */
const ABOUT_A_SECRET =
  /^(?:OLD)?PWD$|_(?:DIR|FILE|PATH|TTL|EXPIRY|EXPIRES|EXPIRATION|TYPE|MODE|URL|URI|ENDPOINT|ISSUER|ARN|HEADER|HASHER|ALGORITHM|NAME|LENGTH|SIZE|COUNT|TIMEOUT|HOST|PORT|USER|ENABLED|REQUIRED|ENCRYPTION)$/i;

/** A value that is a place, not a secret: an absolute path, or a URL without a password. */
const A_PLACE = /^(?:\/|[a-z][a-z0-9+.-]*:\/\/[^@\s]*$)/i;

/** {@link ambientSecretValues} by environment: every command a run starts asks. */
const ambient = new WeakMap<object, readonly string[]>();

/**
 * The values of the variables of `env` (the run's environment, which a command a step starts
 * inherits) named like secrets (`isSecretName` or a libpq keyword: `GITHUB_TOKEN`, `DB_PASS`,
 * `SENTRY_DSN`, `PGPASSWORD`), but not those about one ({@link ABOUT_A_SECRET}), a place
 * ({@link A_PLACE}), a switch or a value under 4 characters. For what such a command prints
 * (`echo $GITHUB_TOKEN`, `set -x`), where a value the procedure never names may appear; not for
 * what a step records of its own arguments and outputs, which later steps read.
 */
export function ambientSecretValues(
  env: Readonly<Record<string, string | undefined>>,
): readonly string[] {
  let values = ambient.get(env);
  if (!values) {
    const names = Object.keys(env).filter(
      (k) => (isSecretName(k) || isSecretKey(k)) && !ABOUT_A_SECRET.test(k),
    );
    values = secretEnvValues(env, names).filter((v) => !A_PLACE.test(v));
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

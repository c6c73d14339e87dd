import { InvalidInputError } from '../errors.js';

/**
 * A count or duration flag (`--concurrency 4`, `--lock-timeout 60`): `fallback` when not given,
 * else a positive integer in decimal digits; anything else (`0`, `1.5`, `2x`) is an
 * {@link InvalidInputError} naming `flag` (exit 2).
 */
export function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError([
      { path: flag, message: `expects a positive integer, got "${value}"` },
    ]);
  }
  return n;
}

import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * Integer facts of a catalog row travel packed in one text column. pg decodes each column of each
 * row into its own string (a native call, about 0.14 µs on the bench machine): on a 10,000-table
 * catalog (100,000 rows of 8 to 16 columns) that decoding alone outweighed the server's work.
 * `concat_ws(' ', …)` of the integers costs the server nothing it did not already do (their text
 * output), and the client reads them back with a character loop.
 */

/**
 * `concat_ws(' ', …)` of integer-valued expressions (OIDs, attnums, `bool::int`, and
 * `int2vector` / `oidvector` / `int2[]` values, whose numbers simply continue the list).
 * `concat_ws` skips NULLs, so a nullable value must be coalesced (or be last, or counted).
 */
export function packed(...values: Expression<unknown>[]): RawBuilder<string> {
  return sql<string>`concat_ws(' ', ${sql.join(values)})`;
}

/** `bool` as 0/1 for {@link packed}. */
export function int(value: Expression<unknown>): RawBuilder<number> {
  return sql<number>`${value}::int`;
}

/**
 * Reads the integers in `text` into `out` from index 0 and returns how many: digits with an
 * optional leading `-`; anything else separates (spaces, and the braces and commas of an array).
 * Reads a {@link packed} value, an `int2vector` / `oidvector` (`2 1`) or an `int2[]` (`{2,1}`).
 * `out` may be a scratch array reused across rows (nothing is allocated then).
 */
export function readIntegers(text: string, out: number[]): number {
  let count = 0;
  let n = 0;
  let digits = false;
  let negative = false;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) {
      n = n * 10 + d;
      digits = true;
    } else {
      if (digits) out[count++] = negative ? -n : n;
      negative = d === -3; // '-'
      n = 0;
      digits = false;
    }
  }
  if (digits) out[count++] = negative ? -n : n;
  return count;
}

/** The integers in `text` (see {@link readIntegers}) as a new array, allocated once. */
export function integers(text: string): number[] {
  return scratch.slice(0, readIntegers(text, scratch));
}
const scratch: number[] = [];

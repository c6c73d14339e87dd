import { randomBytes } from 'node:crypto';

/** A safe path component: what a run id (and a procedure name inside it) may consist of. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `<procedure>-<yyyymmddThhmmssZ>-<4 hex>`; group 1 is the procedure, group 2 the UTC stamp. */
export const RUN_ID_PATTERN = /^(.+)-(\d{8}T\d{6}Z)-([0-9a-f]{4})$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * A new run id: `<procedure>-<UTC yyyymmddThhmmssZ>-<4 random hex>`, e.g.
 * `local-equivalence-20250101T120000Z-3f9a`. Throws when the procedure name is not a safe path
 * component (letters, digits, `.`, `_`, `-`, not starting with a punctuation mark).
 */
export function createRunId(procedure: string, now: Date = new Date()): string {
  if (!SAFE_NAME.test(procedure)) {
    throw new Error(`procedure name '${procedure}' cannot be used in a run id`);
  }
  const stamp =
    `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `T${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}Z`;
  return `${procedure}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** True when `id` can name a directory under the runs dir (no separators, no `..`). */
export function isSafeRunId(id: string): boolean {
  return SAFE_NAME.test(id) && !id.includes('..');
}

/** The UTC time encoded in a run id, or undefined when `id` does not follow the pattern. */
export function runIdTime(id: string): Date | undefined {
  const stamp = RUN_ID_PATTERN.exec(id)?.[2];
  if (!stamp) return undefined;
  const iso =
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}` +
    `T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

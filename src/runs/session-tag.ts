import { createHash } from 'node:crypto';

/**
 * The `application_name` every database session of a run carries, and its reading back. The
 * server keeps at most 63 bytes of it (NAMEDATALEN - 1), so a tag must fit whole: cut short, two
 * runs of one long-named procedure would share a tag and one run's resume would end the other's
 * sessions.
 */

const PREFIX = 'runbook:';
/** Longest application_name the server keeps whole. */
const MAX_TAG_BYTES = 63;
/** Marks an abbreviated tag; never in a run id (run ids are `[A-Za-z0-9._-]`). */
const CUT = '~';
/** Hex digits of SHA-256 of the full run id kept in an abbreviated tag. */
const HASH_HEX = 16;

/**
 * The session tag of run `runId`: `runbook:<run-id>` when it fits in 63 bytes, else
 * `runbook:<start of the run id>~<16 hex of SHA-256 of the whole run id>`, which also fits and
 * differs between runs whose ids differ only past the cut.
 */
export function sessionTag(runId: string): string {
  const whole = `${PREFIX}${runId}`;
  if (Buffer.byteLength(whole) <= MAX_TAG_BYTES) return whole;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, HASH_HEX);
  const room = MAX_TAG_BYTES - PREFIX.length - CUT.length - HASH_HEX;
  return `${PREFIX}${runId.slice(0, room)}${CUT}${hash}`;
}

/**
 * Which run a session tag names: `{ runId }` for a whole tag, `{ abbreviated }` (the start of the
 * run id, for messages) for a cut one, undefined for a session that is no run's.
 */
export function runOfSessionTag(
  tag: string | null | undefined,
): { runId: string } | { abbreviated: string } | undefined {
  if (!tag?.startsWith(PREFIX)) return undefined;
  const rest = tag.slice(PREFIX.length);
  const cut = rest.indexOf(CUT);
  return cut < 0 ? { runId: rest } : { abbreviated: `${rest.slice(0, cut)}…` };
}

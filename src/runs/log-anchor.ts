import { InvalidInputError } from '../errors.js';
import { GENESIS_HASH, type EventLogEntry } from './event-hash.js';

/** The event log as it stands: its line count and the hash of its last line. */
export interface LogHead {
  lines: number;
  /** SHA-256 of the last line, lowercase hex ({@link GENESIS_HASH} for an empty log). */
  head: string;
}

/** The {@link LogHead} of verified `entries`. */
export function logHead(entries: readonly EventLogEntry[]): LogHead {
  return { lines: entries.length, head: entries.at(-1)?.hash ?? GENESIS_HASH };
}

/** The {@link LogHead} of a log being written, as its last append left it. */
export function writtenHead(journal: { readonly lastSeq: number; readonly lastHash: string }): LogHead {
  return { lines: journal.lastSeq, head: journal.lastHash };
}

/** A log head as printed: `12 lines, head sha256:<64 hex digits>`. */
export function logHeadText(log: LogHead): string {
  return `${log.lines} lines, head sha256:${log.head}`;
}

/** The line `run` and `resume` end with: the log's head, for the reader to keep apart from the run. */
export function logHeadLine(log: LogHead): string {
  return `  log:     ${logHeadText(log)}`;
}

/**
 * Hex digits an anchor must give: 128 bits, beyond a forger who recomputes the chain and varies a
 * line until its hash starts with the digits given (12 digits would take about 2^48 tries).
 */
const MIN_ANCHOR_DIGITS = 32;

/**
 * The 1-based line of `entries` whose hash `anchor` names: a head a command printed (`sha256:`
 * optional, the whole 64 hex digits or their first 32 or more), or undefined when no line has
 * it. A verified chain passes through that line, so everything up to it is what the command that
 * printed the head left; lines appended later (a resume) do not change that. Throws
 * InvalidInputError (exit 2) for an anchor that is not such a hash.
 */
export function anchorLine(entries: readonly EventLogEntry[], anchor: string): number | undefined {
  const hex = anchor.trim().toLowerCase().replace(/^sha256:/, '');
  if (!new RegExp(`^[0-9a-f]{${MIN_ANCHOR_DIGITS},64}$`).test(hex)) {
    throw new InvalidInputError([
      {
        message: `--anchor: '${anchor}' is not a log head (sha256: and ${MIN_ANCHOR_DIGITS} to 64 hex digits, as \`run\` and \`resume\` print it)`,
      },
    ]);
  }
  const i = entries.findIndex((e) => e.hash.startsWith(hex));
  return i < 0 ? undefined : i + 1;
}

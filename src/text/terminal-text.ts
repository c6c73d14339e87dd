/**
 * Text bound for a terminal. Server error messages, statements and recorded values are data: an
 * `ESC` in a `RAISE EXCEPTION` could move the cursor, clear the reviewer's screen or rewrite what
 * `replay` shows. Everything printed for a person passes through {@link terminalSafe}; the event
 * log, run.json and `--json` output keep the exact text (JSON escapes control characters).
 */

/**
 * C0 controls but newline and tab, DEL, C1 controls, and the Unicode bidirectional overrides and
 * isolates (which reorder what a reader sees without changing the bytes).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b`, `\x9b`, `\u202e`: the character made visible. */
function visible(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff
    ? `\\x${n.toString(16).padStart(2, '0')}`
    : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character (but `\n` and `\t`) rendered visibly, e.g. as `\x1b`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * {@link terminalSafe} for a value shown within one line (a name in a table): newlines and tabs
 * are rendered visibly too, so that the value cannot start a line of its own.
 */
export function terminalSafeInline(text: string): string {
  return terminalSafe(text).replace(/[\n\t]/g, visible);
}

/**
 * {@link terminalSafe}, keeping the exact escape sequences matched by `keep` (a reporter's own
 * colour codes) and rendering every other control character visibly.
 */
export function terminalSafeExcept(text: string, keep: RegExp): string {
  const global = new RegExp(keep.source, keep.flags.includes('g') ? keep.flags : `${keep.flags}g`);
  let out = '';
  let from = 0;
  for (const m of text.matchAll(global)) {
    out += terminalSafe(text.slice(from, m.index)) + m[0];
    from = m.index + m[0].length;
  }
  return out + terminalSafe(text.slice(from));
}

/** Characters of a field shown in full in terminal output; longer ones are cut (see below). */
export const TERMINAL_FIELD_CHARS = 2000;

/**
 * A long field cut for a terminal: the first {@link TERMINAL_FIELD_CHARS} characters, then
 * `… (N bytes more, see <where>)`. Shorter text is returned unchanged.
 */
export function truncateForTerminal(
  text: string,
  where: string,
  max = TERMINAL_FIELD_CHARS,
): string {
  if (text.length <= max) return text;
  const more = Buffer.byteLength(text.slice(max), 'utf8');
  return `${text.slice(0, max)}… (${more} bytes more, see ${where})`;
}

/**
 * A failure's statement for a terminal. An excerpt (the full statement was kept as an artifact)
 * is shown whole, saying how many bytes are not shown and which artifact (under `runDir` when
 * given) holds them; any other statement is cut by {@link truncateForTerminal}.
 */
export function statementForTerminal(
  statement: string,
  full: { artifact: string; bytes: number } | undefined,
  elsewhere: string,
  runDir?: string,
): string {
  const text = statement.trim();
  if (full) {
    // Already an excerpt of bounded size (its cuts marked with …): shown whole.
    const shown = Buffer.byteLength(text.replace(/^… | …$|(?<= ) … (?= )/g, ''), 'utf8');
    const where = runDir ? `${runDir}/${full.artifact}` : full.artifact;
    return `${text} (${Math.max(0, full.bytes - shown)} bytes more, see ${where})`;
  }
  return truncateForTerminal(text, elsewhere);
}

import { redactUrl } from '../postgres/url.js';
import { terminalSafeExcept } from '../text/terminal-text.js';

/**
 * Where human progress goes: stderr, one line per step (and per migration), colours when stderr
 * is a TTY and `NO_COLOR` is unset, or whenever `FORCE_COLOR` is set to anything but `0`/`false`
 * (it wins over `NO_COLOR`, as in Node; the CLI's `--no-color` clears both). Every line passes through `redactUrl`, and every
 * control character in it but the reporter's own colour codes is rendered visibly (`\x1b`).
 */
export interface Reporter {
  line(text: string): void;
  /** Wraps text in a colour when colours are on. */
  color(kind: 'ok' | 'fail' | 'dim' | 'warn' | 'bold', text: string): string;
  /** True when lines go to a terminal, where {@link Reporter.status} lines are shown. */
  readonly live?: boolean;
  /**
   * A transient status line (a heartbeat): on a terminal it is written in place of the previous
   * one and erased by the next line; elsewhere it is dropped.
   */
  status?(text: string): void;
}

const CODES = { ok: 32, fail: 31, dim: 2, warn: 33, bold: 1 } as const;
/** The only escape sequences a line keeps: the colours {@link Reporter.color} writes. */
// eslint-disable-next-line no-control-regex
const OWN_COLORS = /\u001b\[(?:32|31|2|33|1|0)m/;

/** A reporter writing to a stream (stderr by default). `silent` drops everything (library use). */
export function createReporter(
  options: {
    stream?: NodeJS.WritableStream & { isTTY?: boolean };
    silent?: boolean;
    env?: NodeJS.ProcessEnv;
  } = {},
): Reporter {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const tty = Boolean(stream.isTTY) && env.TERM !== 'dumb';
  const force = env.FORCE_COLOR !== undefined && !['0', 'false'].includes(env.FORCE_COLOR);
  const colors = force || (tty && env.NO_COLOR === undefined);
  const live = tty && !options.silent;
  // A status line is on screen: the next write erases it first.
  let status = false;
  const clear = (): string => {
    if (!status) return '';
    status = false;
    return '\r\u001b[K';
  };
  return {
    live,
    line(text) {
      // Server text (errors, statements) is data: its control characters are shown, not obeyed.
      if (!options.silent)
        stream.write(clear() + terminalSafeExcept(redactUrl(text), OWN_COLORS) + '\n');
    },
    status(text) {
      if (!live) return;
      // A pseudo-terminal may report 0 columns: then assume a wide one.
      const width = (stream as { columns?: number }).columns || 120;
      const safe = terminalSafeExcept(redactUrl(text), OWN_COLORS);
      stream.write('\r\u001b[K' + safe.slice(0, Math.max(20, width - 1)));
      status = true;
    },
    color(kind, text) {
      return colors ? `\u001b[${CODES[kind]}m${text}\u001b[0m` : text;
    },
  };
}

import { InvalidInputError, RefusalError, TamperedLogError } from '../errors.js';
import { redactUrl } from '../postgres/url.js';
import { terminalSafe } from '../text/terminal-text.js';

/** The exit code and stderr label an error maps to (docs/design.md "Exit codes"). */
function classify(err: unknown): { exitCode: 1 | 2 | 3 | 4; label: string } {
  if (err instanceof InvalidInputError) return { exitCode: err.exitCode, label: 'invalid input' };
  if (err instanceof RefusalError) return { exitCode: err.exitCode, label: 'refused' };
  if (err instanceof TamperedLogError) return { exitCode: err.exitCode, label: 'log check failed' };
  // Anything else (a RunStorageError, a bug, an unexpected system error) is a plain failure.
  return { exitCode: 1, label: 'error' };
}

/**
 * The printable fields of any thrown value: its class name, a machine-readable `code` (a refusal's
 * reason, an errno code such as `ENOENT`) and a log line, when it has them.
 */
function fieldsOf(err: unknown): {
  kind: string;
  code?: string | number;
  line?: number;
  message: string;
} {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    code?: unknown;
    line?: unknown;
    message?: unknown;
  };
  return {
    kind: typeof e.name === 'string' ? e.name : 'Error',
    ...((typeof e.code === 'string' || typeof e.code === 'number') && e.code
      ? { code: e.code }
      : {}),
    ...(typeof e.line === 'number' && e.line ? { line: e.line } : {}),
    message: String(e.message ?? err),
  };
}

/**
 * Prints an error to stderr (and, with `json`, as `{ ok: false, exitCode, error }` to stdout) and
 * returns the CLI's exit code for it: 2 {@link InvalidInputError}, 3 {@link RefusalError}, 4
 * {@link TamperedLogError}, 1 anything else. Passwords in the message are masked.
 */
export function reportError(err: unknown, json: boolean): number {
  const { exitCode, label } = classify(err);
  const fields = fieldsOf(err);
  const message = redactUrl(fields.message);
  process.stderr.write(
    terminalSafe(
      `runbook: ${label}${fields.code ? ` (${fields.code})` : ''}:\n${message.replace(/^/gm, '  ')}\n`,
    ),
  );
  if (json) {
    process.stdout.write(
      JSON.stringify({
        ok: false,
        exitCode,
        error: {
          kind: fields.kind,
          code: fields.code ?? null,
          message,
          ...(fields.line ? { line: fields.line } : {}),
        },
      }) + '\n',
    );
  }
  return exitCode;
}

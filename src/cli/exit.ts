import { redactUrl } from '../postgres/url.js';
import { terminalSafe } from '../text/terminal-text.js';

/** Maps an error to the CLI's exit code (docs/design.md "Exit codes") after printing it to stderr. */
export function reportError(err: unknown, json: boolean): number {
  const e = err as {
    name?: string;
    exitCode?: number;
    message?: string;
    code?: string;
    problems?: unknown;
    line?: number;
  };
  const exitCode =
    e && typeof e.exitCode === 'number' && [2, 3, 4].includes(e.exitCode) ? e.exitCode : 1;
  const label =
    exitCode === 2
      ? 'invalid input'
      : exitCode === 3
        ? 'refused'
        : exitCode === 4
          ? 'log check failed'
          : 'error';
  const message = redactUrl(String(e?.message ?? err));
  process.stderr.write(
    terminalSafe(
      `runbook: ${label}${e?.code ? ` (${e.code})` : ''}:\n${message.replace(/^/gm, '  ')}\n`,
    ),
  );
  if (json) {
    process.stdout.write(
      JSON.stringify({
        ok: false,
        exitCode,
        error: {
          kind: e?.name ?? 'Error',
          code: e?.code ?? null,
          message,
          ...(e?.line ? { line: e.line } : {}),
        },
      }) + '\n',
    );
  }
  return exitCode;
}

import type { InputProblem, SourcePosition } from '../errors.js';
import { redactUrl } from '../postgres/url.js';

/** `${{ … }}` expressions: what they name (a param, a variable) is not in the file. */
const EXPRESSION = /\$\{\{[\s\S]*?\}\}/g;

/**
 * Problems for every line of a procedure file's text that holds a password: a SQL `PASSWORD '…'`
 * literal, a URL's password or a libpq `password=` value, in a value or a comment, as the masking
 * of printed text reads them (`redactUrl`). A procedure file is kept, as written, with every run
 * (`artifacts/procedure.yaml`), so one holding a password would put it under `runs/`: it is
 * refused before anything runs. What an expression names is not in the file, so `PASSWORD
 * '${{ env.APP_PASSWORD }}'` is fine. Each problem names the line and the key the line belongs to
 * (the last key at or above it in `positions`).
 */
export function passwordLiteralProblems(
  text: string,
  file: string,
  positions: Readonly<Record<string, SourcePosition>>,
): InputProblem[] {
  // An expression's text gives way to the mask itself (its line breaks kept, for line numbers).
  const stripped = text.replace(EXPRESSION, (e) => `***${e.replace(/[^\n]/g, '')}`);
  const masked = redactUrl(stripped);
  if (masked === stripped) return [];
  const before = stripped.split('\n');
  const after = masked.split('\n');
  const lines =
    before.length === after.length
      ? before.flatMap((line, i) => (line === after[i] ? [] : [i + 1]))
      : [1];
  const keys = Object.entries(positions).sort(
    ([, a], [, b]) => a.line - b.line || a.column - b.column,
  );
  return lines.map((line) => {
    const key = keys.filter(([, p]) => p.line <= line).at(-1)?.[0];
    return {
      ...(key ? { path: key } : {}),
      position: { file, line, column: 1 },
      message:
        'holds a password: a procedure file is kept as written with every run (under runs/), so it takes none',
      hint: 'pass it as ${{ env.NAME }}, or in a param named like a secret (e.g. app_password) given with --param',
    };
  });
}

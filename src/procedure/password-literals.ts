import type { InputProblem } from '../errors.js';
import { findPasswords, isSecretKey, withoutExpressions } from '../postgres/redact.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { readYaml } from './read-yaml.js';
import type { Procedure } from './types.js';

/** Text in which a password may stand, its parsed scalars included (`\x` escapes, `%` encodings). */
const MAY_HOLD = /password|:\/\/|%|\\/i;

const MESSAGE =
  'holds a password: a procedure file is kept as written with every run (under runs/), so it takes none';
const HINT =
  'pass it as ${{ env.NAME }}, or in a param named like a secret (e.g. app_password) given with --param';

/**
 * Problems for every password a procedure file holds, each naming file, line and key: in its text
 * (a SQL `PASSWORD '…'` literal, a URL's password, a libpq or shell `password=` value, in a value
 * or a comment, at the line it starts on), in a value as YAML reads it (an escape such as `\x57`
 * spelling `PASSWORD`), as the value of a key such as `PGPASSWORD:` or `password:` (a command's
 * environment), and in a secret param's default. A run keeps its procedure file as written
 * (`runs/<id>/artifacts/`), so a file holding any of these is refused before a run starts or a
 * resume takes it; what an expression names (`PASSWORD '${{ env.APP_PASSWORD }}'`, a secret
 * param given with `--param`) is not in the file. Reading a run's saved copy does not apply this.
 */
export function passwordLiteralProblems(procedure: Procedure, text: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const reported = new Set<string>();
  if (MAY_HOLD.test(text)) textProblems(procedure, text, reported, problems);
  for (const problem of secretDefaultProblems(procedure))
    if (!reported.has(problem.path)) problems.push(problem);
  return problems.sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
      (a.position?.column ?? 0) - (b.position?.column ?? 0),
  );
}

/** The passwords in the file's text and values, added to `problems`, their keys to `reported`. */
function textProblems(
  procedure: Procedure,
  text: string,
  reported: Set<string>,
  problems: InputProblem[],
): void {
  const file = procedure.source.file;
  const keys = Object.entries(procedure.source.positions).sort(
    ([, a], [, b]) => a.line - b.line || a.column - b.column,
  );
  const keyAt = (line: number): string | undefined =>
    keys.filter(([, p]) => p.line <= line).at(-1)?.[0];

  const stripped = withoutExpressions(text);
  const lineStarts = [0];
  for (let i = stripped.indexOf('\n'); i >= 0; i = stripped.indexOf('\n', i + 1))
    lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++;
    return line + 1;
  };
  for (const { index } of findPasswords(stripped)) {
    const line = lineOf(index);
    const key = keyAt(line);
    if (key !== undefined) reported.add(key);
    const position = { file, line, column: index - lineStarts[line - 1]! + 1 };
    problems.push({ ...(key ? { path: key } : {}), position, message: MESSAGE, hint: HINT });
  }

  // What YAML reads: escapes, a quote doubled inside a quoted scalar, keys naming a password.
  const yaml = readYaml(text, file);
  const report = (path: string): void => {
    if (reported.has(path)) return;
    reported.add(path);
    const position = positionOf(yaml.positions, path) ?? { file, line: 1, column: 1 };
    problems.push({ path, position, message: MESSAGE, hint: HINT });
  };
  const walk = (value: unknown, segments: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (findPasswords(withoutExpressions(value)).length > 0) report(formatKeyPath(segments));
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...segments, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const scalar = typeof item === 'string' || typeof item === 'number';
        // `PGPASSWORD: …` (a command's environment), `password: …`: the value is the password.
        if (isSecretKey(key) && scalar && isLiteral(String(item)))
          report(formatKeyPath([...segments, key]));
        else walk(item, [...segments, key]);
      }
    }
  };
  walk(yaml.value, []);
}

/** A value that holds text of its own: not empty, not only expressions, not already `***`. */
const isLiteral = (value: string): boolean => {
  const rest = withoutExpressions(value).trim();
  return rest !== '' && !/^\*{3,}$/.test(rest);
};

/**
 * A secret param's default is in the file: refused when it holds a password (a URL's) or, for a
 * value that is not a URL, any text of its own (the whole value is the secret).
 */
function secretDefaultProblems(procedure: Procedure): (InputProblem & { path: string })[] {
  const problems: (InputProblem & { path: string })[] = [];
  for (const [name, spec] of Object.entries(procedure.params)) {
    if (!spec.secret || spec.default === undefined || spec.default === null) continue;
    const strings: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string' || typeof v === 'number') strings.push(String(v));
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(spec.default);
    const secret = strings.some((s) =>
      s.includes('://')
        ? findPasswords(withoutExpressions(s)).length > 0
        : isLiteral(s) && spec.type !== 'url',
    );
    if (!secret) continue;
    const path = `params.${name}.default`;
    const position = positionOf(procedure.source.positions, path);
    problems.push({
      path,
      ...(position ? { position } : {}),
      message: `a secret param's default is kept in the procedure file (and with every run, under runs/), so it takes none`,
      hint: `give it with --param ${name}=…, or as \${{ env.NAME }}`,
    });
  }
  return problems;
}

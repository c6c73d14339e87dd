import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Parser,
  type Node,
} from 'yaml';
import type { InputProblem, SourcePosition } from '../errors.js';
import { findPasswords, withoutExpressions } from '../postgres/find-passwords.js';
import { isSecretKey, redactUrl } from '../postgres/redact.js';
import { formatKeyPath, positionOf } from './key-path.js';
import { strings } from './redact-params.js';
import { isSecretName } from './secret-names.js';
import type { Procedure } from './types.js';

/**
 * Text in which a password may stand, its parsed scalars included (`\x` escapes, `%` encodings),
 * or a variable named like a secret (`isSecretName`'s words; `auth` as a word, not `authority`).
 */
const MAY_HOLD =
  /pass|pwd|secret|token|credential|api_?key|private_?key|:\/\/|%|\\|(?:^|[^a-z])(?:auth|authorization|dsn|creds?)(?:$|[^a-z])/i;

const MESSAGE =
  'holds a password: a procedure file is kept as written with every run (under runs/), so it takes none';
const HINT =
  'pass it as ${{ env.NAME }}, or in a param named like a secret (e.g. app_password) given with --param';

/** The passwords of a text as the file check reads them: SQL literals only in role statements. */
const passwordsIn = (text: string) =>
  findPasswords(withoutExpressions(text), { sqlInRoleStatement: true });

/** A value that holds text of its own: not empty, not only expressions. */
const isLiteral = (value: string): boolean => withoutExpressions(value).replace(/\*/g, '').trim() !== ''; // prettier-ignore

/**
 * Problems for every password a procedure file holds, each naming file, line and key: in a value
 * as YAML reads it (escapes, doubled quotes) or in a comment: a SQL `PASSWORD '…'` literal in a
 * statement naming a role, a URL's password, a libpq or shell `password=` value; the value of a
 * key such as `password:` or `PGPASSWORD:`, or of a variable named like a secret in an `env:` map
 * (`DB_PASSWORD: …`); and a secret param's default. A run keeps its procedure file as written
 * (`runs/<id>/artifacts/`), so a file holding any of these is refused before a run starts or a
 * resume takes it; what an expression names (`PASSWORD '${{ env.APP_PASSWORD }}'`, a secret param
 * given with `--param`) is not in the file. Reading a run's saved copy does not apply this.
 */
export function passwordLiteralProblems(procedure: Procedure, text: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const reported = new Set<string>();
  // camelCase names split as `isSecretName` splits them (`basicAuth` is `basic_Auth`).
  if (MAY_HOLD.test(text.replace(/([a-z0-9])([A-Z])/g, '$1_$2')))
    problems.push(...fileProblems(procedure, text, reported));
  for (const problem of secretDefaultProblems(procedure))
    if (!reported.has(problem.path)) problems.push(problem);
  return problems.sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
      (a.position?.column ?? 0) - (b.position?.column ?? 0),
  );
}

/** The passwords in the file's values and comments; the keys reported go to `reported`. */
function fileProblems(procedure: Procedure, text: string, reported: Set<string>): InputProblem[] {
  const file = procedure.source.file;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const problems: InputProblem[] = [];
  const report = (path: string, position: SourcePosition): void => {
    reported.add(path);
    problems.push({ path, position, message: MESSAGE, hint: HINT });
  };
  // Where each key starts, in file order: a comment belongs to the last key before it.
  const keys: { offset: number; path: string }[] = [];

  const walk = (node: unknown, segments: (string | number)[], keyOffset?: number): void => {
    const path = formatKeyPath(segments);
    const range = (node as Node | null)?.range;
    if (keyOffset !== undefined || range) keys.push({ offset: keyOffset ?? range![0], path });
    if (isScalar(node)) {
      const value = node.value;
      const key = segments.at(-1);
      const parent = segments.at(-2);
      const secretKey =
        typeof key === 'string' && (isSecretKey(key) || (parent === 'env' && isSecretName(key)));
      if (secretKey && (typeof value === 'string' || typeof value === 'number')) {
        if (isLiteral(String(value))) report(path, at(keyOffset ?? range?.[0] ?? 0));
      } else if (typeof value === 'string') {
        const found = passwordsIn(value);
        // Where in the file: the password's own text inside the scalar's source, when it is
        // written there as read (not escaped, not folded), else the key.
        for (const { index } of found.slice(0, 1)) {
          const cut = value.slice(index, index + 12);
          const inSource = range ? text.slice(range[0], range[1]).indexOf(cut) : -1;
          const offset = inSource >= 0 && range ? range[0] + inSource : (keyOffset ?? range?.[0]);
          report(path, at(offset ?? 0));
        }
      }
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const raw = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        // Paths are printed: a key that is a URL holding the very password is shown masked.
        const key = redactUrl(raw);
        const keyAt = (pair.key as Node | null)?.range?.[0];
        if (passwordsIn(raw).length > 0) report(formatKeyPath([...segments, key]), at(keyAt ?? 0));
        walk(pair.value, [...segments, key], keyAt);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...segments, i]));
    }
  };
  walk(doc.contents, []);

  keys.sort((a, b) => a.offset - b.offset);
  const keyBefore = (offset: number): string | undefined => {
    let lo = 0;
    let hi = keys.length - 1;
    let found: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]!.offset <= offset) {
        found = keys[mid]!.path || undefined;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  for (const comment of comments(text)) {
    for (const { index } of passwordsIn(comment.source)) {
      const offset = comment.offset + index;
      const key = keyBefore(offset);
      problems.push({
        ...(key ? { path: key } : {}),
        position: at(offset),
        message: `a comment ${MESSAGE}`,
        hint: 'remove it from the comment',
      });
    }
  }
  return problems;
}

/** Every comment of a YAML text (`# …`, outside block scalars and quotes), with its offset. */
function comments(text: string): { offset: number; source: string }[] {
  const found: { offset: number; source: string }[] = [];
  const visit = (token: unknown): void => {
    if (Array.isArray(token)) {
      token.forEach(visit);
    } else if (token !== null && typeof token === 'object') {
      const t = token as { type?: string; offset?: number; source?: string };
      if (t.type === 'comment' && typeof t.offset === 'number' && typeof t.source === 'string')
        found.push({ offset: t.offset, source: t.source });
      for (const v of Object.values(token)) if (v !== null && typeof v === 'object') visit(v);
    }
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

/**
 * A secret param's default is in the file: refused when it holds a password (a URL's) or, for a
 * value that is not a URL, any text of its own (the whole value is the secret).
 */
function secretDefaultProblems(procedure: Procedure): (InputProblem & { path: string })[] {
  const problems: (InputProblem & { path: string })[] = [];
  for (const [name, spec] of Object.entries(procedure.params)) {
    if (!spec.secret || spec.default === undefined || spec.default === null) continue;
    const secret = strings(spec.default).some((s) =>
      s.includes('://') ? passwordsIn(s).length > 0 : isLiteral(s) && spec.type !== 'url',
    );
    if (!secret) continue;
    const path = `params.${name}.default`;
    const position = positionOf(procedure.source.positions, path);
    problems.push({
      path,
      ...(position ? { position } : {}),
      message: `is the default of a secret param (${spec.type ?? 'string'} named like a secret, or declared secret: true), kept in the procedure file and with every run (under runs/)`,
      hint: `give it with --param ${name}=…, or as \${{ env.NAME }}; if it is not a secret, declare \`secret: false\``,
    });
  }
  return problems;
}

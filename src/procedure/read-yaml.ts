import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { InputProblem, SourcePosition } from '../errors.js';
import { formatKeyPath } from './key-path.js';

/** A YAML file parsed with the position of every node kept. */
export interface YamlRead {
  /** The document as plain JS (undefined when it could not be built). */
  value: unknown;
  /** Key path → position (of the key for map entries, of the item for list entries). */
  positions: Record<string, SourcePosition>;
  /** Syntax problems, each with a position and, when known, the enclosing key path. */
  problems: InputProblem[];
}

const SYNTAX_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once per mapping; remove or rename one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation of this line against its parent',
  MISSING_CHAR: 'a closing bracket, brace or quote is missing',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check the indentation and the `:`',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation: this line is read as a key of the line above',
  UNEXPECTED_TOKEN: 'quote the value if it holds YAML punctuation (: { } [ ] # &)',
};

/**
 * Parses YAML text, keeping positions. Never throws: syntax errors come back as problems carrying
 * `file:line:column`, the enclosing key path (when the parser got that far) and a hint.
 */
export function readYaml(text: string, file: string): YamlRead {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positions: Record<string, SourcePosition> = {};
  const spans: { path: string; start: number; end: number }[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  const walk = (node: unknown, segments: (string | number)[], keyOffset?: number): void => {
    const path = formatKeyPath(segments);
    const range = (node as Node | null)?.range;
    const start = keyOffset ?? range?.[0];
    if (start !== undefined) positions[path] ??= at(start);
    if (range) spans.push({ path, start: keyOffset ?? range[0], end: range[2] });
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...segments, key], (pair.key as Node | null)?.range?.[0]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...segments, i]));
    }
  };
  walk(doc.contents, []);

  const enclosing = (offset: number): string | undefined => {
    let best: { path: string; size: number } | undefined;
    for (const s of spans) {
      if (s.path !== '' && offset >= s.start && offset <= s.end) {
        const size = s.end - s.start;
        if (!best || size <= best.size) best = { path: s.path, size };
      }
    }
    return best?.path;
  };

  const problems: InputProblem[] = doc.errors.map((e) => ({
    message: `YAML syntax error: ${e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`,
    path: enclosing(e.pos[0]),
    position: at(e.pos[0]),
    hint: SYNTAX_HINTS[e.code] ?? 'fix the YAML syntax at this position',
  }));

  let value: unknown;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({
        message: `YAML error: ${(error as Error).message}`,
        position: at(0),
        hint: 'check anchors (&name) and aliases (*name)',
      });
    }
  }
  return { value, positions, problems };
}

import type { SourcePosition } from '../errors.js';

/** A location inside a parsed document: object keys and array indexes. */
export type KeySegments = readonly (string | number | symbol)[];

/** Renders segments as a key path: `['steps', 2, 'with', 'target']` → `steps[2].with.target`. */
export function formatKeyPath(segments: KeySegments): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/**
 * The position recorded for a key path, or for its nearest ancestor that has one (a value the
 * parser filled in, such as a default, has no position of its own).
 */
export function positionOf(
  positions: Readonly<Record<string, SourcePosition>>,
  path: string,
): SourcePosition | undefined {
  let p = path;
  for (;;) {
    const found = positions[p];
    if (found) return found;
    if (p === '') return undefined;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}

import type { JsonValue } from '../json.js';
import type { CatalogDiff, DiffChange, DiffStatus } from './diff-types.js';

function show(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function where(status: DiffStatus, diff: CatalogDiff): string {
  return status === 'only-left' ? `only in ${diff.left}` : `only in ${diff.right}`;
}

function changeLine(c: DiffChange, diff: CatalogDiff): string {
  const subject = c.part === 'property' ? '' : `${c.part} ${c.name ?? ''}`;
  if (c.status !== 'changed') return `${subject}: ${where(c.status, diff)}`;
  const head = subject ? `${subject}: ${c.field}` : String(c.field);
  return `${head}: ${diff.left} ${show(c.left)} ≠ ${diff.right} ${show(c.right)}`;
}

/**
 * Renders a {@link CatalogDiff} as human text: a header line, then one block per object with one
 * indented line per precise difference (`column amount: type: a integer ≠ b bigint`).
 */
export function formatDiff(diff: CatalogDiff): string {
  if (diff.equal) return `Schemas are equal: ${diff.left} = ${diff.right}\n`;
  const s = diff.summary;
  const lines = [
    `Schemas differ: ${diff.left} vs ${diff.right} — ${diff.objects.length} object(s): ` +
      `${s.only_left} only in ${diff.left}, ${s.only_right} only in ${diff.right}, ${s.changed} changed`,
  ];
  for (const o of diff.objects) {
    if (o.status !== 'changed') {
      lines.push(`${o.kind} ${o.name}: ${where(o.status, diff)}`);
      continue;
    }
    lines.push(`${o.kind} ${o.name}:`);
    for (const c of o.changes) lines.push(`  ${changeLine(c, diff)}`);
  }
  return lines.join('\n') + '\n';
}

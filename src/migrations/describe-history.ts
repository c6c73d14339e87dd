import path from 'node:path';
import { loadMigrationSource } from './load-source.js';
import { planUpgrade } from './plan.js';
import { RevisionGraph } from './revision-graph.js';
import type { MigrationLayout } from './types.js';

/** One revision of a history as `runbook history` shows it. */
export interface HistoryEntry {
  revision: string;
  /** Parent revisions (`down_revision`); empty for a base. */
  parents: string[];
  /** Revisions naming this one as a parent. */
  children: string[];
  dependsOn: string[];
  branchLabels: string[];
  message?: string;
  /** Its file, relative to the migration folder. */
  file: string;
  base: boolean;
  head: boolean;
  /** Several revisions descend from it. */
  branchpoint: boolean;
  /** It merges several parents. */
  merge: boolean;
}

/** A history's graph, offline: every revision in the order an upgrade from empty applies them. */
export interface HistoryDescription {
  layout: MigrationLayout;
  /** Absolute migration folder. */
  source: string;
  heads: string[];
  bases: string[];
  entries: HistoryEntry[];
}

/**
 * `runbook history`: the migration graph of the folder at `dir` — bases, heads, branch points and
 * merges — with each revision listed in the order an upgrade to every head would apply it from an
 * empty database (for dbmate, file order). Offline: reads files only. Throws `StepError` for a
 * folder that is not a valid history (`MIGRATION_LAYOUT`, `INVALID_MIGRATIONS`).
 */
export async function describeHistory(
  dir: string,
  layout?: MigrationLayout,
): Promise<HistoryDescription> {
  const source = await loadMigrationSource(dir, layout);
  const graph = new RevisionGraph(await source.list());
  const children = new Map<string, string[]>();
  for (const m of graph.migrations) {
    for (const p of m.parents) children.set(p, [...(children.get(p) ?? []), m.revision]);
  }
  const heads = graph.heads();
  const entries = planUpgrade(graph, new Set(), 'heads').map((m): HistoryEntry => {
    const kids = children.get(m.revision) ?? [];
    return {
      revision: m.revision,
      parents: [...m.parents],
      children: kids,
      dependsOn: [...m.dependsOn],
      branchLabels: [...m.branchLabels],
      ...(m.message ? { message: m.message } : {}),
      file: path.relative(source.dir, m.file) || path.basename(m.file),
      base: m.parents.length === 0,
      head: heads.includes(m.revision),
      branchpoint: kids.length > 1,
      merge: m.parents.length > 1,
    };
  });
  return {
    layout: source.layout,
    source: source.dir,
    heads,
    bases: entries.filter((e) => e.base).map((e) => e.revision),
    entries,
  };
}

/**
 * The history as Alembic's `history` prints it, in upgrade order: `<parents> -> <revision>
 * (flags), message`, `<base>` for a revision without parents.
 */
export function formatHistory(h: HistoryDescription): string {
  const lines = h.entries.map((e) => {
    const flags = [
      ...(e.head ? ['head'] : []),
      ...(e.branchpoint ? ['branchpoint'] : []),
      ...(e.merge ? ['mergepoint'] : []),
      ...e.branchLabels.map((l) => `label ${l}`),
      ...(e.dependsOn.length > 0 ? [`depends on ${e.dependsOn.join(', ')}`] : []),
    ];
    const from = e.parents.length === 0 ? '<base>' : e.parents.join(', ');
    return `${from} -> ${e.revision}${flags.length ? ` (${flags.join(') (')})` : ''}${e.message ? `, ${e.message}` : ''}`;
  });
  const heads = `${h.heads.length} head${h.heads.length === 1 ? '' : 's'}: ${h.heads.join(', ') || 'none'}`;
  return [`${h.layout}: ${h.entries.length} revisions, ${heads}`, ...lines].join('\n');
}

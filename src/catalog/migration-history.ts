import { loadMigrationSource, type MigrationLayout } from '../migrations/index.js';
import type { MigrationText } from './provenance.js';

/** One migration of a history with its graph edges and (for SQL layouts) its upgrade SQL. */
export interface HistoryEntry extends MigrationText {
  parents: string[];
  dependsOn: string[];
  file: string;
}

/**
 * Reads a migration source (any layout `loadMigrationSource` knows) as an ordered history with each
 * migration's SQL; migrations that are not SQL (the `alembic` layout's Python) have no `sql`.
 */
export async function loadHistory(dir: string, layout?: string): Promise<HistoryEntry[]> {
  const source = await loadMigrationSource(dir, layout as MigrationLayout | undefined);
  const out: HistoryEntry[] = [];
  for (const m of await source.list()) {
    let sql: string | undefined;
    if (!source.external) {
      try {
        sql = await source.upgradeSql(m);
      } catch {
        sql = undefined;
      }
    }
    out.push({
      revision: m.revision,
      parents: m.parents,
      dependsOn: m.dependsOn,
      branchLabels: m.branchLabels,
      file: m.file,
      ...(sql === undefined ? {} : { sql }),
    });
  }
  return out;
}

/** Every ancestor of `revision` (parents and dependencies, transitively), excluded. */
export function ancestorsOf(
  history: { revision: string; parents: string[]; dependsOn?: string[] }[],
  revision: string,
): Set<string> {
  const byRev = new Map(history.map((m) => [m.revision, m]));
  const seen = new Set<string>();
  const stack = [revision];
  while (stack.length > 0) {
    const m = byRev.get(stack.pop() as string);
    for (const p of [...(m?.parents ?? []), ...(m?.dependsOn ?? [])])
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
  }
  return seen;
}

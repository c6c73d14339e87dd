import path from 'node:path';
import {
  loadMigrationSource,
  resolveTarget,
  RevisionGraph,
  summarizeVersions,
  type MigrationLayout,
} from '../migrations/index.js';
import type { PlanContext } from './types.js';

/**
 * Dry-run plan of `migrations.stamp`: the version rows it would leave (the revision and its
 * ancestors), recorded for later steps, from the rows the database would have when it starts
 * (an earlier step's effect, else the database's own). Reads only.
 */
export async function planStamp<
  P extends {
    source: string;
    layout?: MigrationLayout | undefined;
    revision: string;
    database?: string | undefined;
    only_if_unstamped?: boolean | undefined;
  },
>(ctx: PlanContext, p: P): Promise<string[]> {
  const source = await loadMigrationSource(path.resolve(ctx.cwd, p.source), p.layout);
  const graph = new RevisionGraph(await source.list());
  const database = p.database ?? ctx.db.maintenanceDatabase;
  const table = source.versionTable.table;
  const planned = ctx.effects?.database(database);
  let rows = ctx.effects?.versionRows(database, table);
  if (rows === undefined && planned === undefined) {
    try {
      rows = (await ctx.db.withClient(database, (c) => source.versionTable.read(c))) ?? [];
    } catch (err) {
      if ((err as { code?: string }).code !== '3D000') throw err;
    }
  }
  if (p.only_if_unstamped && rows !== undefined && rows.length > 0) {
    return [`${database} already has a version row (${summarizeVersions(rows, source.layout)}): nothing to stamp`]; // prettier-ignore
  }
  const targets = resolveTarget(graph, p.revision);
  ctx.effects?.setVersionRows(database, table, [...targets, ...graph.ancestors(targets)]);
  return [`record ${targets.join(', ') || 'base'} in ${table} of ${database}, running no SQL`];
}

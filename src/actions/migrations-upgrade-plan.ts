import path from 'node:path';
import {
  loadMigrationSource,
  planTargets,
  RevisionGraph,
  summarizeVersions,
  type MigrationLayout,
  type Queryable,
} from '../migrations/index.js';
import { EMPTY_DATABASE, previewMigrationSql } from '../migrations/migration-sql-preview.js';
import type { PlanContext } from './types.js';

/** A file relative to the working directory when it is under it, else absolute. */
function shownPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** The arguments of `migrations.upgrade` a plan needs. */
export interface UpgradePlanParams {
  source: string;
  layout?: MigrationLayout | undefined;
  database?: string | undefined;
  targets: string[];
}

/**
 * The dry-run plan of `migrations.upgrade`: the migrations that would run, in order, from the
 * version rows the database would have when the step starts — the database's own, unless an
 * earlier step of the plan would drop or recreate it (then none) or stamp or upgrade it (then what
 * that step leaves; see `PlannedEffects`). Records the rows this step would leave for later
 * steps; with `ctx.sql`, reports each migration's SQL through `ctx.showSql`. Reads only.
 */
export async function planUpgradeStep(ctx: PlanContext, p: UpgradePlanParams): Promise<string[]> {
  const source = await loadMigrationSource(path.resolve(ctx.cwd, p.source), p.layout);
  const graph = new RevisionGraph(await source.list());
  const database = p.database ?? ctx.db.maintenanceDatabase;
  const table = source.versionTable.table;
  const planned = ctx.effects?.database(database);
  if (planned?.state === 'absent') {
    return [`${database} would not exist (dropped by step ${planned.step}): this step would fail`];
  }
  const carried = ctx.effects?.versionRows(database, table);
  const plan = async (client: Queryable | undefined) => {
    const rows = carried ?? (client ? ((await source.versionTable.read(client)) ?? []) : []);
    const migrations = planTargets(graph, rows, p.targets);
    if (ctx.sql && ctx.showSql && migrations.length > 0) {
      // Rows carried from an earlier step mean that step created the version table.
      const preview = await previewMigrationSql(source, graph, migrations, rows, client ?? EMPTY_DATABASE, { tableExists: carried !== undefined }); // prettier-ignore
      for (const entry of preview) ctx.showSql({ ...entry, file: shownPath(ctx.cwd, entry.file) });
    }
    return { rows, migrations };
  };
  let out: Awaited<ReturnType<typeof plan>>;
  if (planned?.state === 'empty') out = await plan(undefined);
  else {
    try {
      out = await ctx.db.withClient(database, plan);
    } catch (err) {
      // A database that does not exist yet (an earlier step creates it) has nothing applied.
      if ((err as { code?: string }).code !== '3D000') throw err;
      out = await plan(undefined);
    }
  }
  const after = new Set(out.rows);
  for (const m of out.migrations) after.add(m.revision);
  ctx.effects?.setVersionRows(database, table, [...after]);
  const from =
    carried !== undefined
      ? `${database} would be at ${summarizeVersions(carried, source.layout)} after the steps before`
      : planned?.state === 'empty'
        ? `${database} would be empty after step ${planned.step}`
        : `${database} is at ${summarizeVersions(out.rows, source.layout)}`;
  if (out.migrations.length === 0) return [`nothing to run: ${from}`];
  return [
    `${from}: ${out.migrations.length} of ${graph.migrations.length} migration(s) would run`,
    ...out.migrations.map(
      (m, i) => `${String(i + 1).padStart(4)}. ${m.revision}${m.message ? ` — ${m.message}` : ''}`,
    ),
  ];
}

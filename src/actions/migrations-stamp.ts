import path from 'node:path';
import * as z from 'zod';
import { loadMigrationSource, stampRevision, summarizeVersions } from '../migrations/index.js';
import { migrationLayoutParam } from './migration-layout-param.js';
import { migrationSourceProblems } from './migration-preflight.js';
import { planStamp } from './migrations-stamp-plan.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Params = z.object({
  source: z.string().min(1),
  layout: migrationLayoutParam,
  revision: z.string().min(1),
  database: connectableDatabaseName.optional(),
  only_if_unstamped: z
    .boolean()
    .optional()
    .describe('Stamp only a database with no version row yet (a baseline stamp); else do nothing'),
});

/**
 * `migrations.stamp`: records `revision` (an id, `head`, `<label>@head`) in the version table
 * without running SQL. Idempotent: output `{ changed: false }` when already stamped there. With
 * `only_if_unstamped`, a database that already has a version row is left alone (baseline stamps).
 */
export const migrationsStamp = defineAction({
  name: 'migrations.stamp',
  summary: 'Record a revision in the version table without running migrations (idempotent)',
  params: Params,
  writes: true,
  plan: planStamp,
  async run(ctx, params) {
    const source = await loadMigrationSource(path.resolve(ctx.cwd, params.source), params.layout);
    const database = params.database ?? ctx.db.maintenanceDatabase;
    if (params.only_if_unstamped) {
      const existing = await ctx.db.withClient(database, (c) => source.versionTable.read(c));
      if (existing && existing.length > 0) {
        return {
          output: { changed: false, current: existing },
          summary: `${database} already has a version row (${summarizeVersions(existing, source.layout)}); baseline stamp not needed, nothing changed`,
        };
      }
    }
    const out = await stampRevision(ctx, source, database, params.revision);
    return {
      output: { changed: out.changed, current: out.current },
      summary: out.changed
        ? `stamped ${database} at ${summarizeVersions(out.current, source.layout)}`
        : `${database} already stamped at ${summarizeVersions(out.current, source.layout)}; nothing changed`,
    };
  },
  preflight: (p, ctx) =>
    migrationSourceProblems({ source: p.source, layout: p.layout, targets: [p.revision] }, ctx),
});

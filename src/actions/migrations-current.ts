import path from 'node:path';
import * as z from 'zod';
import {
  AlembicVersionTable,
  atHeads,
  loadMigrationSource,
  RevisionGraph,
  summarizeVersions,
  type MigrationSource,
} from '../migrations/index.js';
import { migrationLayoutParam } from './migration-layout-param.js';
import { migrationSourceProblems } from './migration-preflight.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Params = z.object({
  source: z.string().min(1).optional(),
  layout: migrationLayoutParam,
  database: connectableDatabaseName.optional(),
});

/**
 * `migrations.current`: the version table's revisions. Output `{ current, is_head,
 * has_version_table }`; without `source`, reads `alembic_version` and `is_head` is false.
 */
export const migrationsCurrent = defineAction({
  name: 'migrations.current',
  summary: 'Read the version table: current revisions and whether they are the heads',
  params: Params,
  writes: false,
  async run(ctx, params) {
    const database = params.database ?? ctx.db.maintenanceDatabase;
    let source: MigrationSource | undefined;
    if (params.source) {
      source = await loadMigrationSource(path.resolve(ctx.cwd, params.source), params.layout);
    }
    const vt = source?.versionTable ?? new AlembicVersionTable();
    const rows = await ctx.db.withClient(database, (c) => vt.read(c));
    let isHead = false;
    if (source && rows !== null) {
      // As the upgrade plans: a gap below a recorded row is pending where the tool applies gaps.
      isHead = atHeads(new RevisionGraph(await source.list()), rows);
    }
    return {
      output: { current: rows ?? [], is_head: isHead, has_version_table: rows !== null },
      summary: `${database}: ${rows === null ? 'no version table' : summarizeVersions(rows, source?.layout ?? 'alembic')}${isHead ? ' (head)' : ''}`,
    };
  },
  preflight: async (p, ctx) =>
    p.source ? migrationSourceProblems({ source: p.source, layout: p.layout }, ctx) : [],
});

import * as z from 'zod';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Params = z.object({
  database: connectableDatabaseName.optional(),
  schemas: z.array(z.string()).optional().describe('Schemas to include (default: all non-system)'),
  exclude_schemas: z.array(z.string()).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .optional()
    .describe('Artifact name part: catalog-<name>.json (default: the step id)'),
});

/**
 * `schema.snapshot`: saves the database's catalog snapshot as the run artifact
 * `catalog-<name>.json`. Output `{ artifact, tables, views }`. Read-only; safe to repeat.
 */
export const schemaSnapshot = defineAction({
  name: 'schema.snapshot',
  summary: 'Save a catalog snapshot of a database as a run artifact',
  params: Params,
  writes: false,
  async run(ctx, p) {
    // Loaded on use: the catalog pulls in kysely, which `list`/`show` never need.
    const { snapshotCatalog } = await import('../catalog/snapshot-catalog.js');
    const database = p.database ?? ctx.db.maintenanceDatabase;
    const snapshot = await snapshotCatalog(ctx.db.pool(database), {
      ...(p.schemas ? { schemas: p.schemas } : {}),
      ...(p.exclude_schemas ? { excludeSchemas: p.exclude_schemas } : {}),
    });
    const name = `catalog-${p.name ?? ctx.stepId}.json`;
    const file = await ctx.writeArtifact(name, JSON.stringify(snapshot, null, 2) + '\n');
    return {
      output: { artifact: name, tables: snapshot.tables.length, views: snapshot.views.length },
      summary: `${database}: ${snapshot.tables.length} tables, ${snapshot.views.length} views → ${file}`,
    };
  },
});

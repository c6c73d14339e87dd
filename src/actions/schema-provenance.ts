import path from 'node:path';
import * as z from 'zod';
import { loadHistory } from '../catalog/migration-history.js';
import {
  classifyRelations,
  formatProvenanceReport,
  type ProvenanceReport,
} from '../catalog/out-of-band.js';
import { staticProvenance } from '../catalog/provenance.js';
import { readProvenance, type Provenance } from '../migrations/provenance.js';
import { StepError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { loadMigrationSource, type MigrationLayout } from '../migrations/index.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Params = z.object({
  database: connectableDatabaseName.optional(),
  allow: z
    .record(z.string(), z.string())
    .nullish()
    .describe('Tables allowed to exist without a creating migration, with the documented reason'),
  source: z.string().min(1).nullish().describe('Migration source, when this run did not migrate'),
  layout: z.string().nullish(),
  schemas: z.array(z.string()).optional(),
});

/**
 * `schema.provenance`: attributes every live table and view to the migration that created it,
 * from the run's `provenance.json` (written by `migrations.upgrade`) and static analysis of the
 * history's SQL. Tables no migration created are out-of-band: allowed ones are listed as
 * documented with their reason; any other fails with `OUT_OF_BAND_TABLES`. Writes
 * `provenance-report.json` and `.txt`. Without provenance and without `source`, fails with
 * `PROVENANCE_MISSING`.
 */
export const schemaProvenance = defineAction({
  name: 'schema.provenance',
  summary: 'Which migration created each relation; fail on out-of-band tables',
  params: Params,
  writes: false,
  async run(ctx, p) {
    // Loaded on use: the catalog pulls in kysely, which `list`/`show` never need.
    const { snapshotCatalog } = await import('../catalog/snapshot-catalog.js');
    const database = p.database ?? ctx.db.maintenanceDatabase;
    let provenance: Provenance | undefined = await readProvenance(ctx);
    if (provenance && provenance.database !== database) provenance = undefined;
    const sourceDir = p.source ?? provenance?.source;
    const layout = (p.layout ?? provenance?.layout) || undefined;
    if (!provenance && !sourceDir)
      throw new StepError(
        'PROVENANCE_MISSING',
        `no provenance recorded for ${database} in this run (no migrations.upgrade step ran on it) and no \`source:\` to analyse`,
        {
          hint: 'run migrations.upgrade earlier in the procedure, or give schema.provenance a source',
        },
      );
    let versionTable = 'alembic_version';
    let staticHistory;
    if (sourceDir) {
      const dir = path.resolve(ctx.cwd, sourceDir);
      versionTable = (await loadMigrationSource(dir, layout as MigrationLayout | undefined))
        .versionTable.table;
      staticHistory = (await staticProvenance(await loadHistory(dir, layout))).relations;
    }
    const snapshot = await snapshotCatalog(
      ctx.db.pool(database),
      p.schemas ? { schemas: p.schemas } : {},
    );
    const live = [
      ...snapshot.tables.map((t) => ({ schema: t.schema, name: t.name, kind: 'table' })),
      ...snapshot.views.map((v) => ({
        schema: v.schema,
        name: v.name,
        kind: v.materialized ? 'matview' : 'view',
      })),
    ];
    const report: ProvenanceReport = classifyRelations({
      database,
      live,
      ...(provenance ? { provenance } : {}),
      ...(staticHistory ? { staticHistory } : {}),
      allow: p.allow ?? {},
      versionTable,
    });
    await ctx.writeArtifact('provenance-report.json', JSON.stringify(report, null, 2) + '\n');
    await ctx.writeArtifact('provenance-report.txt', formatProvenanceReport(report));
    const documented = report.documented.map((r) => `${r.schema}.${r.name}`);
    if (report.out_of_band.length > 0) {
      const names = report.out_of_band.map((r) => `${r.schema}.${r.name}`);
      const data: JsonObject = {
        out_of_band: names,
        documented,
        altered_by: Object.fromEntries(
          report.out_of_band.map((r) => [`${r.schema}.${r.name}`, r.altered_by]),
        ) as JsonValue,
      };
      throw new StepError(
        'OUT_OF_BAND_TABLES',
        `${names.length} table(s) in ${database} were created outside migrations: ${names.join(', ')}`,
        {
          data,
          hint: 'create them in a migration, or allow them with a documented reason (allow: { table: reason })',
        },
      );
    }
    return {
      output: { relations: report.relations.length, documented, out_of_band: [] },
      summary: `${database}: ${report.relations.length} relations attributed, ${documented.length} documented (${documented.join(', ') || 'none'}), none out-of-band`,
    };
  },
});

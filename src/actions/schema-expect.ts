import * as z from 'zod';
import {
  evaluateExpectations,
  tablesPerSchema,
  type CatalogExpectations,
  type VersionExpectation,
} from '../catalog/expectations.js';
import { readVersion } from '../catalog/read-version.js';
import { StepError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { defineAction, type ActionContext } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Count = z.number().int().nonnegative();
const Params = z.object({
  database: connectableDatabaseName.optional(),
  schemas: z.array(z.string()).optional().describe('Schemas to look at (default: all non-system)'),
  tables: z.record(z.string(), Count).nullish().describe('Base tables per schema'),
  total_tables: Count.nullish(),
  views: z
    .union([Count, z.record(z.string(), Count)])
    .nullish()
    .describe('Plain views: total or per schema'),
  tables_exist: z.array(z.string()).nullish(),
  tables_absent: z.array(z.string()).nullish(),
  views_exist: z.array(z.string()).nullish(),
  columns_exist: z.array(z.string()).nullish().describe('schema.table.column or table.column'),
  foreign_keys: z
    .array(
      z.object({
        table: z.string(),
        columns: z.array(z.string()).min(1),
        references: z.object({ table: z.string(), columns: z.array(z.string()).min(1) }),
        on_delete: z.string().optional(),
        on_update: z.string().optional(),
      }),
    )
    .nullish(),
  roles: z.array(z.string()).nullish(),
  grants: z
    .array(z.object({ role: z.string(), privilege: z.string(), on: z.string() }))
    .nullish()
    .describe("on: 'schema.table' or 'schema:name'"),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
  version: z.string().min(1).nullish().describe("'head' (needs source) or a revision"),
  source: z.string().min(1).nullish().describe('Migration source (for version: head)'),
  layout: z.string().nullish(),
});

const undef = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

type ExpectParams = z.infer<typeof Params>;

/** The expectations a step states, as {@link evaluateExpectations} takes them. */
function expectationsOf(p: ExpectParams): CatalogExpectations {
  const settings = p.settings
    ? Object.fromEntries(Object.entries(p.settings).map(([k, v]) => [k, String(v)]))
    : undefined;
  return {
    tables: undef(p.tables),
    total_tables: undef(p.total_tables),
    views: undef(p.views),
    tables_exist: undef(p.tables_exist),
    tables_absent: undef(p.tables_absent),
    views_exist: undef(p.views_exist),
    columns_exist: undef(p.columns_exist),
    foreign_keys: undef(p.foreign_keys),
    roles: undef(p.roles),
    grants: undef(p.grants),
    settings,
  };
}

/**
 * Reads the database's version rows; with `version:` also the expectation on them. Without
 * `version:` or `source:`, a database with no readable version table gives `rows: null`.
 */
async function readVersionState(
  ctx: ActionContext,
  p: ExpectParams,
  database: string,
): Promise<{ version: VersionExpectation | undefined; rows: string[] | null }> {
  if (!p.version && !p.source) {
    return {
      version: undefined,
      rows: (await readVersion(ctx.db, database).catch(() => ({ rows: null }))).rows,
    };
  }
  const state = await readVersion(
    ctx.db,
    database,
    p.source ? { dir: p.source, cwd: ctx.cwd, layout: undef(p.layout) } : undefined,
  );
  const version = p.version
    ? {
        expected: p.version,
        actual: state.rows,
        ...(state.heads ? { heads: state.heads } : {}),
        ...(state.atHead !== undefined ? { atHead: state.atHead } : {}),
      }
    : undefined;
  return { version, rows: state.rows };
}

/**
 * `schema.expect`: checks declarative expectations on a database's catalog (tables and views per
 * schema, named tables/views/columns, foreign keys with actions, roles, grants, settings, the
 * version row) and fails with `EXPECTATION_FAILED` listing every unmet one (expected vs actual)
 * in `data.unmet`. Always writes `expectations-<step>.json`. Read-only.
 */
export const schemaExpect = defineAction({
  name: 'schema.expect',
  summary: 'Verify tables, views, columns, foreign keys, roles, grants, settings and the version',
  params: Params,
  writes: false,
  async run(ctx, p) {
    // Loaded on use: the catalog pulls in kysely, which `list`/`show` never need.
    const { snapshotCatalog } = await import('../catalog/snapshot-catalog.js');
    const database = p.database ?? ctx.db.maintenanceDatabase;
    if (p.version === 'head' && !p.source)
      throw new StepError(
        'INVALID_PARAMS',
        'version: head needs `source:` (the migration history)',
      );
    const snapshot = await snapshotCatalog(
      ctx.db.pool(database),
      p.schemas ? { schemas: p.schemas } : {},
    );
    const { version, rows } = await readVersionState(ctx, p, database);
    const results = evaluateExpectations(snapshot, expectationsOf(p), version);
    const perSchema = tablesPerSchema(snapshot);
    const output: { [key: string]: JsonValue } = {
      tables_total: snapshot.tables.length,
      tables_per_schema: perSchema,
      views_total: snapshot.views.filter((v) => !v.materialized).length,
      version: rows,
    };
    await ctx.writeArtifact(
      `expectations-${ctx.stepId}.json`,
      JSON.stringify({ database, checked: results.length, results, ...output }, null, 2) + '\n',
    );
    const unmet = results.filter((r) => !r.pass);
    if (unmet.length > 0) {
      const lines = unmet.map(
        (r) =>
          `${r.subject}: expected ${JSON.stringify(r.expected)}, actual ${JSON.stringify(r.actual)}`,
      );
      const data: JsonObject = { unmet: unmet as unknown as JsonValue[], checked: results.length };
      throw new StepError(
        'EXPECTATION_FAILED',
        `${unmet.length} of ${results.length} expectation(s) unmet on ${database}:\n  ${lines.join('\n  ')}`,
        { data },
      );
    }
    return {
      output,
      summary:
        `${database}: ${results.length} expectation(s) met (${snapshot.tables.length} tables, ${output.views_total} views` +
        `${p.version ? `, version ${Array.isArray(output.version) ? output.version.join(', ') : String(output.version)}` : ''})`,
    };
  },
});

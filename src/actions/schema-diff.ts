import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { diffCatalogs } from '../catalog/diff-catalogs.js';
import { formatDiff } from '../catalog/format-diff.js';
import { CATALOG_FORMAT, type CatalogSnapshot } from '../catalog/snapshot-types.js';
import { StepError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ActionContext } from './types.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Side = z.union([
  z.object({ database: connectableDatabaseName }).strict(),
  z.object({ snapshot: z.string().min(1).describe('Path of a saved catalog-*.json') }).strict(),
]);
const Params = z.object({
  left: Side,
  right: Side,
  schemas: z.array(z.string()).optional(),
  ignore_tables: z.array(z.string()).optional().describe('e.g. [alembic_version]'),
  ignore_column_order: z.boolean().optional(),
  ignore_generated_names: z.boolean().optional(),
});

async function side(
  ctx: ActionContext,
  s: z.infer<typeof Side>,
  schemas: string[] | undefined,
): Promise<{ snapshot: CatalogSnapshot; label: string }> {
  // Loaded on use: the catalog pulls in kysely, which `list`/`show` never need.
  const { snapshotCatalog } = await import('../catalog/snapshot-catalog.js');
  if ('database' in s) {
    const snapshot = await snapshotCatalog(ctx.db.pool(s.database), schemas ? { schemas } : {});
    return { snapshot, label: s.database };
  }
  const file = path.resolve(ctx.cwd, s.snapshot);
  let snapshot: CatalogSnapshot;
  try {
    snapshot = JSON.parse(await readFile(file, 'utf8')) as CatalogSnapshot;
  } catch (err) {
    throw new StepError(
      'SNAPSHOT_UNREADABLE',
      `cannot read snapshot ${file}: ${(err as Error).message}`,
    );
  }
  if (snapshot.format !== CATALOG_FORMAT || !Array.isArray(snapshot.tables))
    throw new StepError(
      'SNAPSHOT_UNREADABLE',
      `${file} is not a catalog snapshot (format ${CATALOG_FORMAT})`,
    );
  if (schemas) {
    const keep = (x: { schema: string }): boolean => schemas.includes(x.schema);
    snapshot = {
      ...snapshot,
      schemas: snapshot.schemas.filter((x) => schemas.includes(x.name)),
      tables: snapshot.tables.filter(keep),
      views: snapshot.views.filter(keep),
      sequences: snapshot.sequences.filter(keep),
      functions: snapshot.functions.filter(keep),
    };
  }
  return { snapshot, label: path.basename(file) };
}

/**
 * `schema.diff`: structural diff of two databases (or a database and a saved snapshot), grouped
 * by object. Writes `schema-diff-<step>.json` and `.txt`; fails with `SCHEMA_DIFFERS` (data: the
 * summary counts) when they differ. Output `{ equal, differences }`. Read-only.
 */
export const schemaDiff = defineAction({
  name: 'schema.diff',
  summary: 'Structural diff of two databases or snapshots; fails when they differ',
  params: Params,
  writes: false,
  async run(ctx, p) {
    const [l, r] = await Promise.all([side(ctx, p.left, p.schemas), side(ctx, p.right, p.schemas)]);
    const labels =
      l.label === r.label
        ? { left: `left:${l.label}`, right: `right:${r.label}` }
        : { left: l.label, right: r.label };
    const diff = diffCatalogs(l.snapshot, r.snapshot, {
      ignoreTables: p.ignore_tables ?? [],
      ignoreColumnOrder: p.ignore_column_order ?? false,
      ignoreGeneratedConstraintNames: p.ignore_generated_names ?? false,
      labels,
    });
    const text = formatDiff(diff);
    await ctx.writeArtifact(`schema-diff-${ctx.stepId}.json`, JSON.stringify(diff, null, 2) + '\n');
    await ctx.writeArtifact(`schema-diff-${ctx.stepId}.txt`, text);
    if (!diff.equal) {
      const shown = text.split('\n').slice(0, 40).join('\n');
      throw new StepError('SCHEMA_DIFFERS', shown, {
        data: { ...diff.summary, objects: diff.objects.length } as { [key: string]: JsonValue },
      });
    }
    return { output: { equal: true, differences: 0 }, summary: `${labels.left} = ${labels.right}` };
  },
});

import type pg from 'pg';
import type { ActionContext } from '../step-context.js';
import {
  resolveInDoubt,
  writeCheckpoint,
  type MigrationCheckpoint,
} from './migration-checkpoint.js';
import { appliedSet } from './plan.js';
import type { RevisionGraph } from './revision-graph.js';
import type { MigrationSource } from './types.js';
import { recordApplied } from './version-write.js';

/**
 * Before planning: a migration marked in-flight (or left dirty by golang-migrate, failed in
 * `_prisma_migrations`) that the version table does not record is in doubt; settle it by the
 * operator's decision or stop (a tool's failed record: with the tool's own refusal). True when
 * the version table was written (`--skip`, or a dirty record settled for `--retry`).
 */
export async function settleInDoubt(
  ctx: ActionContext,
  client: pg.PoolClient,
  source: MigrationSource,
  graph: RevisionGraph,
  cp: MigrationCheckpoint,
  rows: string[],
): Promise<boolean> {
  const dirty = source.versionTable.dirty ? await source.versionTable.dirty(client) : null;
  const revision = cp.inflight?.revision ?? dirty;
  if (!revision) return false;
  if (appliedSet(graph, rows).has(revision) && revision !== dirty) {
    delete cp.inflight;
    await writeCheckpoint(ctx, cp);
    return false;
  }
  const m = graph.get(revision);
  const vt = source.versionTable;
  let decision: ReturnType<typeof resolveInDoubt>;
  try {
    decision = resolveInDoubt(ctx, revision, m.file);
  } catch (err) {
    // The tool's own refusal when its table records the migration as failed (Prisma's P3009).
    throw (revision === dirty && vt.dirtyRefusal?.(m, ctx.runId)) || err;
  }
  // As the tool's own way out (`migrate force`, `prisma migrate resolve`) sets its table.
  const settle = revision === dirty && vt.settle;
  if (decision === 'skip') {
    await client.query('BEGIN');
    await vt.ensure(client);
    if (settle) await vt.settle?.(client, m, 'skip', graph);
    else await recordApplied(vt, client, m, graph);
    await client.query('COMMIT');
    cp.applied.push(revision);
    await ctx.log('migration.skipped', { revision, file: m.file, reason: 'operator --skip' });
  } else {
    if (settle) {
      await client.query('BEGIN');
      await vt.settle?.(client, m, 'retry', graph);
      await client.query('COMMIT');
    }
    await ctx.log('migration.retry', { revision, file: m.file, reason: 'operator --retry' });
  }
  delete cp.inflight;
  await writeCheckpoint(ctx, cp);
  return decision === 'skip' || Boolean(settle);
}

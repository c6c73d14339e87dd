import type pg from 'pg';
import type { ActionContext } from '../step-context.js';
import {
  resolveInDoubt,
  writeCheckpoint,
  type MigrationCheckpoint,
} from './migration-checkpoint.js';
import { StepError } from '../errors.js';
import { appliedSet } from './plan.js';
import type { RevisionGraph } from './revision-graph.js';
import type { MigrationSource } from './types.js';
import { recordApplied } from './version-write.js';

/**
 * `--skip <revision>` records the migration applied: refused while one it builds on (a parent, a
 * dependency) is not, since recording it would make the version table vouch for that one too (a
 * commit lost with the server, which migrations' deferred flushes allow, or one undone outside
 * the run). `--retry` applies them in order instead.
 */
function refuseSkipOverMissing(
  ctx: ActionContext,
  graph: RevisionGraph,
  rows: readonly string[],
  revision: string,
): void {
  const m = graph.get(revision);
  const applied = appliedSet(graph, rows);
  const missing = [...m.parents, ...m.dependsOn].filter((r) => !applied.has(r));
  if (missing.length === 0) return;
  throw new StepError(
    'MIGRATION_IN_DOUBT',
    `cannot record ${revision} applied without running it: ${missing.join(', ')}, which it builds on, ${missing.length === 1 ? 'is' : 'are'} not applied (the version table does not record ${missing.length === 1 ? 'it' : 'them'})`,
    {
      migration: revision,
      file: m.file,
      hint: `a commit may have been lost with the server, or undone by hand: \`runbook resume ${ctx.runId} --retry\` applies ${missing.join(', ')} and then ${revision}`,
    },
  );
}

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
  // A tool's failed record is settled its own way (`migrate force`), rows and all.
  if (decision === 'skip' && !settle) refuseSkipOverMissing(ctx, graph, rows, revision);
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

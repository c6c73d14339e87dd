import type { ActionContext } from '../step-context.js';
import { StepError } from '../errors.js';
import { appliedSet, resolveTarget } from './plan.js';
import { RevisionGraph } from './revision-graph.js';
import { acquireMigrationLock } from './advisory-lock.js';
import type { MigrationSource, Queryable } from './types.js';

/** Result of a stamp. */
export interface StampOutcome {
  changed: boolean;
  current: string[];
}

/**
 * Writes the version table so that exactly `revision` (resolved like an upgrade target) counts
 * as applied, without running SQL, in one committed transaction. Idempotent: when the table
 * already records exactly that, nothing is written (`changed: false`).
 */
export async function stampRevision(
  ctx: ActionContext,
  source: MigrationSource,
  database: string,
  revision: string,
): Promise<StampOutcome> {
  const graph = new RevisionGraph(await source.list());
  let targets: string[];
  try {
    targets = resolveTarget(graph, revision);
  } catch (err) {
    if (err instanceof StepError && err.code === 'UNKNOWN_REVISION') {
      throw new StepError('UNKNOWN_REVISION', `cannot stamp "${revision}": ${err.message}`, {
        hint: `known heads: ${graph.heads().join(', ')}`,
      });
    }
    throw err;
  }
  const vt = source.versionTable;
  return ctx.db.withClient(database, async (client) => {
    // The same lock as an upgrade: a stamp never interleaves with another run migrating this DB.
    const unlock = await acquireMigrationLock(client, database, ctx.runId);
    try {
      return await stampLocked(client, vt, graph, targets);
    } finally {
      await unlock();
    }
  });
}

async function stampLocked(
  client: Queryable,
  vt: MigrationSource['versionTable'],
  graph: RevisionGraph,
  targets: string[],
): Promise<StampOutcome> {
  await client.query('BEGIN');
  try {
    const rows = await vt.read(client);
    // A stamp always means the targets and everything below them (whatever the layout).
    const want = new Set([...targets, ...graph.ancestors(targets)]);
    const have = appliedSet(graph, rows ?? []);
    const same = rows !== null && want.size === have.size && [...want].every((r) => have.has(r));
    if (same) {
      await client.query('ROLLBACK');
      return { changed: false, current: rows };
    }
    await vt.stamp(client, targets, graph);
    const current = (await vt.read(client)) ?? [];
    await client.query('COMMIT');
    return { changed: true, current };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

import path from 'node:path';
import type { ActionContext } from '../step-context.js';
import { StepError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { appliedSet } from './plan.js';
import type { RevisionGraph } from './revision-graph.js';
import type { RelationDelta } from './relation-snapshot.js';
import type { Migration } from './types.js';

/** What the migrate step keeps in its checkpoint (mirrors the version table, never replaces it). */
export interface MigrationCheckpoint {
  /** Checksum of every migration as first (or last accepted) read. */
  checksums: Record<string, string>;
  /** Revisions this step applied, in order. */
  applied: string[];
  /**
   * Revisions found applied that this step did not apply (someone else did, between attempts):
   * see {@link reconcileUnrecorded}.
   */
  external?: string[];
  /**
   * The attempt (its number) that last ended knowing the fate of every migration it sent: its
   * record of what it applied is complete, so what the next attempt finds applied beyond it was
   * applied outside the run.
   */
  settled?: number;
  /** The version table's rows when the step first ran: what was applied before it. */
  baseline?: string[];
  /** A migration running outside a transaction: set before it starts, cleared once recorded. */
  inflight?: { revision: string; file: string; started_at: string };
  /** The database the step migrates, so that a later run finds this step's checkpoint its own. */
  database?: string;
  /** The migration folder (absolute) it migrates from. */
  source?: string;
  /**
   * Applied migrations whose file this step found as an earlier run recorded it, or accepted
   * changed: revision → the run whose record it is (this run's, for an accepted change). Their
   * checksums, in `checksums`, carry the record on to later runs (see `earlierChecksums`).
   */
  kept?: Record<string, string>;
  /** Records a change this step accepted replaced: revision → the run whose record it was. */
  replaced?: Record<string, string>;
}

/** Reads the step's checkpoint (an empty one on first attempt). */
export function readCheckpoint(ctx: ActionContext): MigrationCheckpoint {
  const raw = ctx.checkpoint.read() as Partial<MigrationCheckpoint> | undefined;
  return {
    checksums: { ...(raw?.checksums ?? {}) },
    applied: [...(raw?.applied ?? [])],
    ...(Array.isArray(raw?.external) ? { external: [...raw.external] } : {}),
    ...(typeof raw?.settled === 'number' ? { settled: raw.settled } : {}),
    ...(raw?.baseline ? { baseline: [...raw.baseline] } : {}),
    ...(raw?.inflight ? { inflight: raw.inflight } : {}),
    ...(typeof raw?.database === 'string' ? { database: raw.database } : {}),
    ...(typeof raw?.source === 'string' ? { source: raw.source } : {}),
    ...(raw?.kept ? { kept: { ...raw.kept } } : {}),
    ...(raw?.replaced ? { replaced: { ...raw.replaced } } : {}),
  };
}

/**
 * Persists the checkpoint: durably before it resolves, or (`durable: false`, per applied
 * migration) written at once and made durable by the next durable write; the version table and
 * the log line already hold that fact.
 */
export async function writeCheckpoint(
  ctx: ActionContext,
  cp: MigrationCheckpoint,
  options?: { durable?: boolean },
): Promise<void> {
  await ctx.checkpoint.write(cp as unknown as JsonValue, options);
}

/**
 * Records in `cp` that this step (run `runId`) accepted a change to applied migration `revision`
 * (`--allow-changed`): the record is this run's from now on, and `earlier`'s (the run it named)
 * is replaced.
 */
export function acceptChange(
  cp: MigrationCheckpoint,
  revision: string,
  runId: string,
  earlier: string | undefined,
): void {
  (cp.kept ??= {})[revision] = runId;
  if (earlier !== undefined && earlier !== runId) (cp.replaced ??= {})[revision] = earlier;
}

/**
 * Compares checksums with those recorded earlier. An applied migration whose file changed fails
 * with `MIGRATION_CHANGED` unless `--allow-changed`; a pending one may change (that is how a
 * broken migration gets fixed). Every change is logged with old and new checksum; the recorded
 * checksums are then brought up to date.
 */
export async function verifyChecksums(
  ctx: ActionContext,
  cp: MigrationCheckpoint,
  migrations: readonly Migration[],
  applied: Set<string>,
): Promise<void> {
  const refused: Migration[] = [];
  for (const m of migrations) {
    const old = cp.checksums[m.revision];
    if (old !== undefined && old !== m.checksum) {
      const isApplied = applied.has(m.revision);
      if (isApplied && !ctx.attempt.allowChanged) refused.push(m);
      await ctx.log('migration.changed', {
        revision: m.revision,
        file: m.file,
        old_checksum: old,
        new_checksum: m.checksum,
        applied: isApplied,
        accepted: !isApplied || ctx.attempt.allowChanged,
      });
      const change = `${path.basename(m.file)} changed since ${isApplied ? 'it was applied' : 'the last attempt'} (sha256 ${old.slice(0, 12)} → ${m.checksum.slice(0, 12)})`;
      if (!isApplied) ctx.progress(`${change}: not applied yet, the new content will run`);
      else if (ctx.attempt.allowChanged) {
        ctx.progress(`${change}: accepted (--allow-changed)`);
        // A revision another run applied: the accepted content is this run's record now.
        if (!cp.applied.includes(m.revision)) {
          acceptChange(cp, m.revision, ctx.runId, cp.kept?.[m.revision]);
        }
      }
    }
  }
  if (refused.length > 0) {
    const first = refused[0] as Migration;
    throw new StepError(
      'MIGRATION_CHANGED',
      `applied migration${refused.length > 1 ? 's' : ''} changed since ${refused.length > 1 ? 'they' : 'it'} ran: ${refused.map((m) => m.revision).join(', ')}`,
      {
        migration: first.revision,
        file: first.file,
        hint: 'restore the file, or resume with --allow-changed to accept the new content',
        data: {
          changed: refused.map((m) => ({
            revision: m.revision,
            old_checksum: cp.checksums[m.revision] ?? null,
            new_checksum: m.checksum,
          })),
        },
      },
    );
  }
  for (const m of migrations) cp.checksums[m.revision] = m.checksum;
}

/** How an in-doubt migration is settled. */
export type InDoubtResolution = 'none' | 'retry' | 'skip';

/**
 * Decides what to do with a migration that started outside a transaction and is not recorded
 * as applied: the operator must say `--retry` (run it again) or `--skip <revision>` (record it
 * applied without running). Without a decision: `MIGRATION_IN_DOUBT`.
 */
export function resolveInDoubt(
  ctx: ActionContext,
  revision: string,
  file: string,
): InDoubtResolution {
  const d = ctx.attempt.decision;
  if (d?.kind === 'retry') return 'retry';
  if (d?.kind === 'skip' && (d.target === revision || d.target === ctx.stepId)) return 'skip';
  throw new StepError(
    'MIGRATION_IN_DOUBT',
    `migration ${revision} was started outside a transaction and did not finish; whether its changes took effect is unknown`,
    {
      migration: revision,
      file,
      hint: `check the database, then \`runbook resume ${ctx.runId} --retry\` to run it again or \`runbook resume ${ctx.runId} --skip ${revision}\` to record it applied without running it`,
    },
  );
}

/**
 * Accounts for migrations the version table (the truth) shows applied that are missing from this
 * step's checkpoint. One whose line is in the log (`logged`: the process died between that line
 * and the checkpoint) is just added back, as its line says. Any other is logged as
 * `migration.reconciled`, so that the run's log names every migration the version table gained
 * while the step ran, carrying its effect on the relation set (`effect`):
 * - after an attempt that ended knowing the fate of every migration it sent (`previousSettled`),
 *   its record is complete: the migration was applied outside this run (by hand, by another
 *   tool), and is recorded as such (`applied_outside_run`, `cp.external`), not as this run's;
 * - otherwise the attempt stopped with a migration's outcome unknown (killed, the connection or
 *   the machine lost): it is counted as this run's, whose line was lost, as is most likely, and
 *   the line says it may have been applied outside the run instead.
 */
export async function reconcileUnrecorded(
  ctx: ActionContext,
  graph: RevisionGraph,
  cp: MigrationCheckpoint,
  rows: readonly string[],
  options: {
    /** This step's logged applications: revision → whether its line says applied outside the run. */
    logged?: ReadonlyMap<string, boolean>;
    previousSettled?: boolean;
    effect?: (m: Migration) => RelationDelta;
  } = {},
): Promise<void> {
  const { logged = new Map<string, boolean>(), previousSettled = false, effect } = options;
  const before = appliedSet(graph, cp.baseline ?? []);
  const now = appliedSet(graph, rows);
  const recorded = new Set([...cp.applied, ...(cp.external ?? [])]);
  const missing = graph.migrations.filter(
    (m) => now.has(m.revision) && !before.has(m.revision) && !recorded.has(m.revision),
  );
  if (missing.length === 0) return;
  for (const m of missing) {
    const outside = logged.get(m.revision) ?? previousSettled;
    if (outside) (cp.external ??= []).push(m.revision);
    else cp.applied.push(m.revision);
    if (logged.has(m.revision)) continue;
    const relations = effect?.(m);
    await ctx.log('migration.reconciled', {
      revision: m.revision,
      file: m.file,
      ...(relations ? { relations: relations as unknown as JsonObject } : {}),
      ...(outside ? { applied_outside_run: true } : {}),
      reason: outside
        ? 'found applied (in the version table) but not applied by this run: its previous attempt ended with every migration it sent accounted for, so it was applied outside the run since'
        : 'committed (found in the version table) but not recorded: the process stopped between its COMMIT and its log line (or it was applied outside the run meanwhile)',
    });
  }
  await writeCheckpoint(ctx, cp);
}

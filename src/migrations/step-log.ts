import type { ActionContext } from '../step-context.js';
import type { RelationDelta } from './relation-snapshot.js';

/** The type of the log line written as each migration commits. */
export const MIGRATION_APPLIED = 'migration.applied';

/** The type of the line for a migration found committed but never logged (see reconcileUnrecorded). */
export const MIGRATION_RECONCILED = 'migration.reconciled';

const APPLIED_TYPES: ReadonlySet<string> = new Set([MIGRATION_APPLIED, MIGRATION_RECONCILED]);

/** What a `migration.applied` line says (the fields earlier attempts need back). */
export interface AppliedLine {
  revision: string;
  file: string;
  /** The migration's effect on the relation set, when provenance was recorded. */
  relations?: RelationDelta;
  /** A `migration.reconciled` line found it applied by someone else, not this run. */
  outside?: true;
}

/**
 * This step's `migration.applied` and `migration.reconciled` lines in the run's log, in order: what
 * earlier attempts of the step applied, even when the process died before its checkpoint caught up. Empty when the run
 * has no log yet (the chain is not re-verified here: `inspect` and `replay` do that).
 */
export async function loggedApplications(
  ctx: Pick<ActionContext, 'readLog' | 'stepId'>,
): Promise<AppliedLine[]> {
  const entries = await ctx.readLog({ types: (t) => APPLIED_TYPES.has(t) });
  const out: AppliedLine[] = [];
  for (const e of entries) {
    if (!APPLIED_TYPES.has(e.type) || e.step !== ctx.stepId) continue;
    const d = e.data as Partial<AppliedLine> | null;
    if (typeof d?.revision !== 'string') continue;
    out.push({
      revision: d.revision,
      file: typeof d.file === 'string' ? d.file : '',
      ...(d.relations ? { relations: d.relations } : {}),
      ...((e.data as { applied_outside_run?: unknown }).applied_outside_run === true
        ? { outside: true as const }
        : {}),
    });
  }
  return out;
}

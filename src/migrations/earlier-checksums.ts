import path from 'node:path';
import type { ActionContext, OtherRuns } from '../step-context.js';
import { StepError } from '../errors.js';
import { runIdTime } from '../runs/run-id.js';
import { acceptChange, type MigrationCheckpoint } from './migration-checkpoint.js';
import { PROVENANCE_ARTIFACT, type Provenance } from './provenance.js';
import type { Migration } from './types.js';

/** How many of the most recent earlier runs are read (a runs folder may hold thousands). */
const EARLIER_RUNS = 100;

/** A checksum recorded for a migration when it was applied: by an earlier run, or by the tool's table. */
export interface EarlierChecksum {
  checksum: string;
  /** The earlier run that applied it; absent when the version table itself keeps the checksum. */
  runId?: string;
  /** The version table keeping it (Prisma's `_prisma_migrations`), when it came from there. */
  table?: string;
}

/** Where a recorded checksum came from, for messages. */
const recordedBy = (was: EarlierChecksum): string =>
  was.runId !== undefined ? `run ${was.runId}` : `${was.table ?? 'the version table'}`;

/**
 * Parsed JSON text, or undefined when missing or unreadable. With `mentions`, also undefined
 * (without parsing) when the text does not contain every one of those strings in their JSON
 * form: a provenance.json of another database or source cannot match, and it can be large.
 */
function parseJson(text: string | undefined, mentions: readonly string[] = []): unknown {
  try {
    if (text === undefined) return undefined;
    if (mentions.some((m) => !text.includes(JSON.stringify(m)))) return undefined;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // an unreadable earlier run is no evidence either way
  }
}

type Identity = { database: string; source: string };
type StepCheckpoint = Partial<MigrationCheckpoint> &
  Pick<MigrationCheckpoint, 'applied' | 'checksums'>;

/**
 * The migrate steps' checkpoints of run `runId` that migrated `identity`, in step order. A
 * checkpoint names its database and folder; one written before checkpoints did (no `database`)
 * counts when the run's `provenance.json` names both, as every step of such a run did.
 */
async function stepsOf(
  runs: OtherRuns,
  runId: string,
  identity: Identity,
): Promise<StepCheckpoint[]> {
  const progress = (await runs.readProgress(runId)) as Record<string, unknown> | undefined;
  const steps = Object.values(progress ?? {}).filter(
    (cp): cp is StepCheckpoint =>
      !!cp &&
      typeof cp === 'object' &&
      Array.isArray((cp as StepCheckpoint).applied) &&
      !!(cp as StepCheckpoint).checksums &&
      typeof (cp as StepCheckpoint).checksums === 'object',
  );
  let unnamedMatch: boolean | undefined;
  const out: StepCheckpoint[] = [];
  for (const cp of steps) {
    if (cp.database !== undefined || cp.source !== undefined) {
      if (cp.database === identity.database && cp.source === identity.source) out.push(cp);
      continue;
    }
    unnamedMatch ??= await provenanceNames(runs, runId, identity);
    if (unnamedMatch) out.push(cp);
  }
  return out;
}

async function provenanceNames(
  runs: OtherRuns,
  runId: string,
  identity: Identity,
): Promise<boolean> {
  const prov = parseJson(await runs.readArtifact(runId, PROVENANCE_ARTIFACT), [
    identity.database,
    identity.source,
  ]) as Partial<Provenance> | undefined;
  return prov?.database === identity.database && prov.source === identity.source;
}

/** A checkpoint's `kept` or `replaced` map (revision → run id), its well-formed entries. */
function stringRecords(map: unknown): Record<string, string> {
  if (!map || typeof map !== 'object' || Array.isArray(map)) return {};
  return Object.fromEntries(
    Object.entries(map as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

/**
 * The checksums earlier runs in the same store recorded for the migrations they applied to the
 * same database from the same folder (their migrate checkpoints name both; a checkpoint written
 * before they did is matched by its run's `provenance.json`), the latest run's winning. A later
 * run that found an applied file as recorded, or accepted its change, keeps the record (`kept`:
 * under the run it names), so that runs applying nothing carry it on; a record an accepted change
 * replaced (`replaced`) no longer counts. Every one of the
 * {@link EARLIER_RUNS} most recent runs is read: a run may apply migrations long after it started
 * (a resume), so no run's record can stand for the runs before it.
 */
export async function earlierChecksums(
  runs: OtherRuns,
  identity: Identity,
): Promise<Map<string, EarlierChecksum>> {
  const times = new Map<string, number>();
  try {
    for (const id of await runs.ids()) {
      const t = runIdTime(id)?.getTime();
      if (t !== undefined) times.set(id, t);
    }
  } catch {
    return new Map();
  }
  // Ids are ASCII: compared by code unit (localeCompare would load the ICU collator, some ms).
  const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const ids = [...times.keys()].sort(
    (a, b) => (times.get(a) ?? 0) - (times.get(b) ?? 0) || byId(a, b),
  );
  const records: { runId: string; cp: StepCheckpoint }[] = [];
  for (const runId of ids.slice(-EARLIER_RUNS)) {
    for (const cp of await stepsOf(runs, runId, identity)) records.push({ runId, cp });
  }
  // A record another replaced (a change accepted with --allow-changed) counts no more, wherever
  // it stands in the order: a run resumed later may still carry it.
  const replaced = new Set<string>();
  for (const { cp } of records) {
    for (const [revision, by] of Object.entries(stringRecords(cp.replaced))) {
      replaced.add(`${revision}\n${by}`);
    }
  }
  const out = new Map<string, EarlierChecksum>();
  const take = (revision: string, checksum: unknown, by: string): void => {
    if (typeof checksum === 'string' && !replaced.has(`${revision}\n${by}`)) {
      out.set(revision, { checksum, runId: by });
    }
  };
  for (const { runId, cp } of records) {
    for (const revision of cp.applied) take(revision, cp.checksums[revision], runId);
    for (const [revision, by] of Object.entries(stringRecords(cp.kept))) {
      take(revision, cp.checksums[revision], by);
    }
  }
  return out;
}

/**
 * Records in `cp.kept` what this attempt found of the earlier runs' records: each applied file
 * that matched a run's record, under that run, and each changed one accepted (`--allow-changed`),
 * under this run (its checksum, the one this step records, is the new content's).
 */
function keepRecords(
  ctx: ActionContext,
  cp: MigrationCheckpoint,
  migrations: readonly Migration[],
  applied: Set<string>,
  earlier: ReadonlyMap<string, EarlierChecksum>,
  accepted: ReadonlySet<Migration>,
): void {
  for (const m of migrations) {
    const was = earlier.get(m.revision);
    if (!applied.has(m.revision) || was?.runId === undefined) continue;
    if (cp.checksums[m.revision] !== undefined) continue;
    if (accepted.has(m)) acceptChange(cp, m.revision, ctx.runId, was.runId);
    else (cp.kept ??= {})[m.revision] = was.runId;
  }
}

/**
 * An applied migration whose file differs from what an earlier run applied (see
 * {@link earlierChecksums}) or from the checksum the tool's own table keeps for it (`table`:
 * Prisma's, which wins over an earlier run's, as `prisma migrate` compares it on every run) fails
 * with `MIGRATION_CHANGED` naming every such file and the run that applied it, unless
 * `--allow-changed`. Revisions this run already read (in `cp`) are left to the run's own check.
 * Every change is logged (`migration.changed`, `earlier_run`). `cp` is given the step's database
 * and folder, for later runs to find this step's checkpoint their own.
 */
export async function verifyEarlierChecksums(
  ctx: ActionContext,
  identity: { database: string; source: string },
  cp: MigrationCheckpoint,
  migrations: readonly Migration[],
  applied: Set<string>,
  table?: { name: string; checksums: ReadonlyMap<string, string> },
): Promise<void> {
  cp.database = identity.database;
  cp.source = identity.source;
  // Only a migration applied before this step can differ from what an earlier run applied (a
  // fresh database reads no earlier run); one this attempt already read (a resume) is left to
  // the run's own check.
  const unread = migrations.some(
    (m) => applied.has(m.revision) && cp.checksums[m.revision] === undefined,
  );
  const earlier = unread
    ? await earlierChecksums(ctx.otherRuns, identity)
    : new Map<string, EarlierChecksum>();
  // Relative to the source, so that Prisma's and diesel's `<dir>/migration.sql` stay distinct.
  const shown = (m: Migration): string =>
    path.relative(identity.source, m.file) || path.basename(m.file);
  for (const [revision, checksum] of table?.checksums ?? []) {
    earlier.set(revision, { checksum, table: table?.name });
  }
  if (earlier.size === 0) return;
  const changed: { m: Migration; was: EarlierChecksum }[] = [];
  for (const m of migrations) {
    const was = earlier.get(m.revision);
    if (!was || was.checksum === m.checksum || !applied.has(m.revision)) continue;
    if (cp.checksums[m.revision] !== undefined) continue;
    changed.push({ m, was });
    await ctx.log('migration.changed', {
      revision: m.revision,
      file: m.file,
      old_checksum: was.checksum,
      new_checksum: m.checksum,
      applied: true,
      accepted: ctx.attempt.allowChanged,
      ...(was.runId !== undefined
        ? { earlier_run: was.runId }
        : { version_table: was.table ?? '' }),
    });
    const line = `${shown(m)} changed since ${recordedBy(was)} recorded it applied (sha256 ${was.checksum.slice(0, 12)} → ${m.checksum.slice(0, 12)})`;
    ctx.progress(ctx.attempt.allowChanged ? `${line}: accepted (--allow-changed)` : line);
  }
  if (changed.length === 0 || ctx.attempt.allowChanged) {
    keepRecords(ctx, cp, migrations, applied, earlier, new Set(changed.map(({ m }) => m)));
    return;
  }
  const first = changed[0] as { m: Migration; was: EarlierChecksum };
  throw new StepError(
    'MIGRATION_CHANGED',
    `applied migration file${changed.length > 1 ? 's' : ''} changed since ${changed.length > 1 ? 'they were' : 'it was'} applied: ${changed.map(({ m, was }) => `${shown(m)} (${recordedBy(was)})`).join(', ')}`,
    {
      migration: first.m.revision,
      file: first.m.file,
      hint: 'restore the file, or resume this run with --allow-changed to accept the new content',
      data: {
        changed: changed.map(({ m, was }) => ({
          revision: m.revision,
          file: m.file,
          old_checksum: was.checksum,
          new_checksum: m.checksum,
          ...(was.runId !== undefined
            ? { earlier_run: was.runId }
            : { version_table: was.table ?? '' }),
        })),
      },
    },
  );
}

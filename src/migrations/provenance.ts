import type { ActionContext } from '../step-context.js';
import type { JsonValue } from '../json.js';
import { toRel, type Rel, type RelationDelta, type RelState } from './relation-snapshot.js';
import type { AppliedLine } from './step-log.js';

/** One migration's effect on the relation set. */
export interface MigrationProvenance extends RelationDelta {
  revision: string;
  file: string;
}

/**
 * The `provenance.json` artifact: what the migrations of a run did to the relation set, written by
 * `migrations.upgrade` and read by the catalog (`schema.provenance`, failure diagnosis).
 */
export interface Provenance {
  database: string;
  source: string;
  layout: string;
  /** Relations present before the first migration of the run ever ran. */
  baseline: Rel[];
  migrations: MigrationProvenance[];
}

/** Artifact file name. */
export const PROVENANCE_ARTIFACT = 'provenance.json';

/** Reads the run's provenance artifact; undefined when no migrate step of this run wrote one. */
export async function readProvenance(
  ctx: Pick<ActionContext, 'readArtifact'>,
): Promise<Provenance | undefined> {
  const text = await ctx.readArtifact(PROVENANCE_ARTIFACT);
  return text === undefined ? undefined : (JSON.parse(text) as Provenance);
}

/**
 * Maintains provenance.json across attempts. Each migration's effect travels in its
 * `migration.applied` log line (written as it commits); the artifact is written only by
 * {@link flush} (a draft before the first migration applies, then at step end, success or
 * failure), so a long history does not rewrite a growing file per migration. On open, lines of this step the artifact does not have yet (a process killed
 * mid-step) are taken from those lines.
 */
export class ProvenanceRecorder {
  /** The revisions of `data.migrations` (a history's `add`s stay linear in its length). */
  private readonly recorded: Set<string>;

  private constructor(
    private readonly ctx: ActionContext,
    private readonly data: Provenance,
  ) {
    this.recorded = new Set(data.migrations.map((m) => m.revision));
  }

  /**
   * Continues the run's existing artifact for the same database and source (completed from
   * `logged`, this step's `migration.applied` lines), else starts one whose baseline is
   * `baseline`. Writes nothing: the caller drafts the artifact ({@link flush}, not durable)
   * before the first migration applies, and writes it durably at step end.
   */
  static async open(
    ctx: ActionContext,
    identity: { database: string; source: string; layout: string },
    baseline: ReadonlyMap<string, RelState>,
    logged: readonly AppliedLine[],
  ): Promise<ProvenanceRecorder> {
    let data: Provenance | undefined;
    try {
      const prior = await readProvenance(ctx);
      if (prior?.database === identity.database && prior.source === identity.source) data = prior;
    } catch {
      // An unreadable artifact is rebuilt from here on: provenance is evidence, not state.
    }
    data ??= { ...identity, baseline: [...baseline.values()].map(toRel), migrations: [] };
    const recorder = new ProvenanceRecorder(ctx, data);
    recorder.completeFromLog(logged);
    return recorder;
  }

  /** Revisions with a recorded effect. */
  get revisions(): Set<string> {
    return new Set(this.recorded);
  }

  /** Records one migration's effect in memory (re-recording a revision replaces it). */
  add(revision: string, file: string, delta: RelationDelta): void {
    if (this.recorded.has(revision)) {
      this.data.migrations = this.data.migrations.filter((m) => m.revision !== revision);
    }
    this.data.migrations.push({ revision, file, ...delta });
    this.recorded.add(revision);
  }

  /**
   * Attributes to `m` (a migration that committed but whose log line was lost, see
   * `reconcileUnrecorded`) how the live relations differ from what the recorded migrations left:
   * with one such migration per crash, that difference is its effect. Returns it, for the
   * `migration.reconciled` line (a later attempt takes it back from there, as from
   * `migration.applied` lines, should this one stop before the artifact is written).
   */
  attributeUnrecorded(
    m: { revision: string; file: string },
    live: ReadonlyMap<string, Rel>,
  ): RelationDelta {
    const key = (r: Rel): string => `${r.kind}:${r.schema}.${r.name}`;
    const expected = new Map(this.data.baseline.map((r) => [key(r), r]));
    for (const e of this.data.migrations) {
      e.dropped.forEach((r) => expected.delete(key(r)));
      e.created.forEach((r) => expected.set(key(r), r));
    }
    const now = new Map([...live.values()].map((r) => [key(r), toRel(r)]));
    const delta: RelationDelta = {
      created: [...now].filter(([k]) => !expected.has(k)).map(([, r]) => r),
      dropped: [...expected].filter(([k]) => !now.has(k)).map(([, r]) => r),
      altered: [],
    };
    this.add(m.revision, m.file, delta);
    return delta;
  }

  /** Writes the artifact (durably unless told otherwise) and shares it with later steps of this attempt. */
  async flush(options?: { durable?: boolean }): Promise<void> {
    this.ctx.shared.set(`provenance:${this.data.database}`, this.data);
    await this.ctx.writeArtifact(
      PROVENANCE_ARTIFACT,
      JSON.stringify(this.data as unknown as JsonValue, null, 2) + '\n',
      options,
    );
  }

  private completeFromLog(lines: readonly AppliedLine[]): void {
    const have = this.revisions;
    for (const l of lines) {
      if (!l.relations || have.has(l.revision)) continue;
      this.add(l.revision, l.file, {
        created: l.relations.created ?? [],
        dropped: l.relations.dropped ?? [],
        altered: l.relations.altered ?? [],
      });
    }
  }
}

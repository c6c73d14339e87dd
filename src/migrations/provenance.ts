import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ActionContext } from '../actions/types.js';
import type { JsonValue } from '../json.js';
import { diffRelations, toRel, type Rel, type RelState } from './relation-snapshot.js';

/** One migration's effect on the relation set. */
export interface MigrationProvenance {
  revision: string;
  file: string;
  created: Rel[];
  dropped: Rel[];
  altered: Rel[];
}

/** The `provenance.json` artifact (read by the catalog helper). */
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

/**
 * Maintains provenance.json across attempts: continues the run's existing file for the same
 * database and source, else starts one with `baseline`. Re-recording a revision replaces it.
 */
export class ProvenanceRecorder {
  private constructor(
    private readonly ctx: ActionContext,
    private readonly data: Provenance,
  ) {}

  static async open(
    ctx: ActionContext,
    identity: { database: string; source: string; layout: string },
    baseline: Map<string, RelState>,
  ): Promise<ProvenanceRecorder> {
    const file = path.join(ctx.runDir, 'artifacts', PROVENANCE_ARTIFACT);
    if (existsSync(file)) {
      try {
        const prior = JSON.parse(await readFile(file, 'utf8')) as Provenance;
        if (prior.database === identity.database && prior.source === identity.source) {
          return new ProvenanceRecorder(ctx, prior);
        }
      } catch {
        // An unreadable artifact is rebuilt from here on: provenance is evidence, not state.
      }
    }
    return new ProvenanceRecorder(ctx, {
      ...identity,
      baseline: [...baseline.values()].map(toRel),
      migrations: [],
    });
  }

  /** Records one migration's effect and rewrites the artifact. */
  async record(
    revision: string,
    file: string,
    before: Map<string, RelState>,
    after: Map<string, RelState>,
  ): Promise<void> {
    const entry: MigrationProvenance = { revision, file, ...diffRelations(before, after) };
    this.data.migrations = this.data.migrations.filter((m) => m.revision !== revision);
    this.data.migrations.push(entry);
    await this.flush();
  }

  /** Writes the artifact (also done once at open so a run without migrations still has one). */
  async flush(): Promise<void> {
    this.ctx.shared.set(`provenance:${this.data.database}`, this.data);
    await this.ctx.writeArtifact(
      PROVENANCE_ARTIFACT,
      JSON.stringify(this.data as unknown as JsonValue, null, 2) + '\n',
    );
  }
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeMigrationSql, type RelationRef } from './analyze-migration-sql.js';

/** A relation as recorded in provenance: names and kind only. */
export interface ProvenanceRel {
  schema: string;
  name: string;
  kind: string;
}

/** What one migration of a run did to the relation set (captured before/after it ran). */
export interface ProvenanceMigration {
  revision: string;
  file: string;
  created: ProvenanceRel[];
  dropped: ProvenanceRel[];
  altered: ProvenanceRel[];
}

/** `artifacts/provenance.json`, written by `migrations.upgrade` during a run. */
export interface ProvenanceRecord {
  database: string;
  source: string;
  layout: string;
  /** Relations that existed before the first migration of the run. */
  baseline: ProvenanceRel[];
  migrations: ProvenanceMigration[];
}

/** Name of the provenance artifact. */
export const PROVENANCE_ARTIFACT = 'provenance.json';

/** Reads the run's provenance artifact; undefined when no migrate step of this run wrote one. */
export async function readProvenance(runDir: string): Promise<ProvenanceRecord | undefined> {
  try {
    const text = await readFile(path.join(runDir, 'artifacts', PROVENANCE_ARTIFACT), 'utf8');
    return JSON.parse(text) as ProvenanceRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A migration's SQL as static analysis needs it (`sql` absent when not SQL, e.g. Python). */
export interface MigrationText {
  revision: string;
  sql?: string;
  branchLabels?: string[];
}

/** Who did what to one relation, by static analysis of the history's SQL. */
export interface StaticRelationHistory {
  relation: RelationRef;
  createdBy: string[];
  droppedBy: string[];
  alteredBy: string[];
}

/** True when an SQL reference (schema maybe unqualified) names the relation `schema.name`. */
export function refMatches(
  ref: { schema: string | null; name: string },
  schema: string | null,
  name: string,
): boolean {
  return ref.name === name && (ref.schema === null || schema === null || ref.schema === schema);
}

/**
 * Static provenance: parses every migration's SQL in history order and records, per relation
 * name, which migrations created, dropped (or renamed away) and altered it. Unqualified names are
 * keyed as written; a migration whose SQL does not parse is skipped (its revision is returned in
 * `unparsed`).
 */
export async function staticProvenance(
  migrations: MigrationText[],
): Promise<{ relations: StaticRelationHistory[]; unparsed: string[] }> {
  const byName = new Map<string, StaticRelationHistory>();
  const unparsed: string[] = [];
  const entry = (r: RelationRef): StaticRelationHistory => {
    const key = `${r.kind === 'index' ? 'index' : 'rel'}:${r.name}`;
    let h = byName.get(key);
    if (!h) byName.set(key, (h = { relation: r, createdBy: [], droppedBy: [], alteredBy: [] }));
    return h;
  };
  for (const m of migrations) {
    if (m.sql === undefined) continue;
    let a;
    try {
      a = await analyzeMigrationSql(m.sql);
    } catch {
      unparsed.push(m.revision);
      continue;
    }
    for (const r of a.creates) entry(r).createdBy.push(m.revision);
    for (const r of a.drops) entry(r).droppedBy.push(m.revision);
    for (const r of a.alters) entry(r).alteredBy.push(m.revision);
    for (const r of a.renames) {
      entry(r.from).droppedBy.push(m.revision);
      entry(r.to).createdBy.push(m.revision);
    }
  }
  return { relations: [...byName.values()], unparsed };
}

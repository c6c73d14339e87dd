import { analyzeMigrationSql, type RelationRef } from './analyze-migration-sql.js';

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

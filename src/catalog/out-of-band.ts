import type { Provenance } from '../migrations/provenance.js';
import type { StaticRelationHistory } from './provenance.js';
import { refMatches } from './provenance.js';

/** How a live relation came to exist. */
export type RelationOriginKind =
  /** A migration of this run created it (recorded before/after each migration). */
  | 'run'
  /** A migration's SQL creates it (static analysis; e.g. applied before this run). */
  | 'static'
  /** The migration tool's own version table. */
  | 'tool'
  /** No migration created it, but the procedure allows it with a reason. */
  | 'documented'
  /** No migration created it and it is not allowed. */
  | 'out-of-band';

/** One live relation with its provenance. */
export interface RelationOrigin {
  schema: string;
  name: string;
  kind: string;
  origin: RelationOriginKind;
  created_by: string | null;
  altered_by: string[];
  reason?: string;
}

/** The provenance report: every live relation's origin, plus what this run dropped. */
export interface ProvenanceReport {
  database: string;
  relations: RelationOrigin[];
  dropped: { schema: string; name: string; kind: string; dropped_by: string }[];
  documented: RelationOrigin[];
  out_of_band: RelationOrigin[];
  /** Allowed names that do not exist or were created by a migration after all. */
  unused_allowances: string[];
}

/** Inputs of {@link classifyRelations}. */
export interface ClassifyInput {
  database: string;
  /** Live tables and views (`kind`: table, view, matview). */
  live: { schema: string; name: string; kind: string }[];
  provenance?: Provenance;
  staticHistory?: StaticRelationHistory[];
  /** Allowed out-of-band tables (bare or qualified name) with the documented reason. */
  allow: Record<string, string>;
  versionTable: string;
}

const same = (a: { schema: string; name: string }, b: { schema: string; name: string }): boolean =>
  a.schema === b.schema && a.name === b.name;

/**
 * Attributes every live relation to the migration that created it (this run's provenance first,
 * then static analysis of the history's SQL); tables no migration created are out-of-band unless
 * allowed (then `documented`, with the reason). Views are attributed but never out-of-band.
 */
export function classifyRelations(input: ClassifyInput): ProvenanceReport {
  const runs = input.provenance?.migrations ?? [];
  const usedAllow = new Set<string>();
  const relations = input.live.map((rel): RelationOrigin => {
    const createdInRun = [...runs].reverse().find((m) => m.created.some((c) => same(c, rel)));
    const alteredInRun = runs
      .filter((m) => m.altered.some((c) => same(c, rel)))
      .map((m) => m.revision);
    const history = input.staticHistory?.find(
      (h) => h.relation.kind !== 'index' && refMatches(h.relation, rel.schema, rel.name),
    );
    const altered = [...new Set([...(history?.alteredBy ?? []), ...alteredInRun])];
    const base = { schema: rel.schema, name: rel.name, kind: rel.kind, altered_by: altered };
    if (createdInRun) return { ...base, origin: 'run', created_by: createdInRun.revision };
    const creator = history?.createdBy[history.createdBy.length - 1];
    if (creator) return { ...base, origin: 'static', created_by: creator };
    if (rel.name === input.versionTable) return { ...base, origin: 'tool', created_by: null };
    const key = [`${rel.schema}.${rel.name}`, rel.name].find((k) => k in input.allow);
    if (key !== undefined) {
      usedAllow.add(key);
      return {
        ...base,
        origin: 'documented',
        created_by: null,
        reason: input.allow[key] as string,
      };
    }
    return { ...base, origin: rel.kind === 'table' ? 'out-of-band' : 'static', created_by: null };
  });
  const dropped = runs.flatMap((m) =>
    m.dropped.map((d) => ({
      schema: d.schema,
      name: d.name,
      kind: d.kind,
      dropped_by: m.revision,
    })),
  );
  return {
    database: input.database,
    relations,
    dropped,
    documented: relations.filter((r) => r.origin === 'documented'),
    out_of_band: relations.filter((r) => r.origin === 'out-of-band'),
    unused_allowances: Object.keys(input.allow).filter((k) => !usedAllow.has(k)),
  };
}

/** Human text of a provenance report (one line per relation, out-of-band ones first). */
export function formatProvenanceReport(r: ProvenanceReport): string {
  const line = (x: RelationOrigin): string => {
    const q = `${x.schema}.${x.name}`;
    const how =
      x.origin === 'run'
        ? `created by ${x.created_by} (this run)`
        : x.origin === 'static'
          ? x.created_by
            ? `created by ${x.created_by}`
            : 'no creating migration found'
          : x.origin === 'tool'
            ? 'version table (migration tool)'
            : x.origin === 'documented'
              ? `documented: ${x.reason}`
              : 'OUT-OF-BAND: no migration creates it';
    const alt = x.altered_by.length > 0 ? `; altered by ${x.altered_by.join(', ')}` : '';
    return `  ${x.kind} ${q}: ${how}${alt}`;
  };
  const lines = [
    `Provenance of ${r.database}: ${r.relations.length} relations, ${r.documented.length} documented, ${r.out_of_band.length} out-of-band`,
  ];
  if (r.out_of_band.length > 0) lines.push('Out-of-band:', ...r.out_of_band.map(line));
  if (r.documented.length > 0)
    lines.push('Documented (created outside migrations):', ...r.documented.map(line));
  lines.push('Relations:', ...r.relations.map(line));
  if (r.dropped.length > 0)
    lines.push(
      'Dropped during this run:',
      ...r.dropped.map((d) => `  ${d.kind} ${d.schema}.${d.name}: dropped by ${d.dropped_by}`),
    );
  if (r.unused_allowances.length > 0)
    lines.push(`Allowed but not needed: ${r.unused_allowances.join(', ')}`);
  return lines.join('\n') + '\n';
}

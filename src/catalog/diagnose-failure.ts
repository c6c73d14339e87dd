import { analyzeMigrationSql, type MigrationSqlAnalysis } from './analyze-migration-sql.js';
import type { Provenance } from '../migrations/provenance.js';
import { refMatches, type MigrationText } from './provenance.js';

/** The failure to diagnose: its SQLSTATE, message and (when known) the migration it came from. */
export interface FailureToDiagnose {
  code: string;
  message: string;
  migration?: string;
}

/** What the diagnosis may consult. */
export interface DiagnosisContext {
  /** This run's provenance (`artifacts/provenance.json`), when a migrate step wrote one. */
  provenance?: Provenance;
  /** The whole history, in order, with each migration's SQL. */
  migrations: MigrationText[];
  /** Revisions applied to the database when the failure happened. */
  applied: string[];
}

interface Target {
  schema: string | null;
  name: string;
  column?: string;
}

function splitName(text: string): { schema: string | null; name: string } {
  const dot = text.lastIndexOf('.');
  return dot < 0
    ? { schema: null, name: text }
    : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

/** The object a 42P01 / 42703 message names. */
function targetOf(code: string, message: string): Target | undefined {
  if (code === '42P01') {
    const m = /relation "([^"]+)" does not exist/.exec(message);
    return m?.[1] ? splitName(m[1]) : undefined;
  }
  const withRel = /column "([^"]+)" of relation "([^"]+)" does not exist/.exec(message);
  if (withRel?.[1] && withRel[2]) return { ...splitName(withRel[2]), column: withRel[1] };
  const dotted = /column "?([^"\s]+?)"?\.([^\s."]+) does not exist/.exec(message);
  if (dotted?.[1] && dotted[2]) return { ...splitName(dotted[1]), column: dotted[2] };
  const bare = /column "([^"]+)" does not exist/.exec(message);
  return bare?.[1] ? { schema: null, name: '', column: bare[1] } : undefined;
}

function label(t: Target): string {
  const rel = t.schema ? `${t.schema}.${t.name}` : t.name;
  return t.column
    ? rel
      ? `column "${t.column}" of "${rel}"`
      : `column "${t.column}"`
    : `relation "${rel}"`;
}

async function analyses(migrations: MigrationText[]): Promise<Map<string, MigrationSqlAnalysis>> {
  const out = new Map<string, MigrationSqlAnalysis>();
  for (const m of migrations) {
    if (m.sql === undefined) continue;
    try {
      out.set(m.revision, await analyzeMigrationSql(m.sql));
    } catch {
      // A migration that does not parse contributes no static knowledge.
    }
  }
  return out;
}

function creates(a: MigrationSqlAnalysis, t: Target): boolean {
  if (t.column) {
    return (
      a.columns.added.some(
        (c) => c.column === t.column && (!t.name || refMatches(c.relation, t.schema, t.name)),
      ) ||
      a.columns.renamed.some(
        (c) => c.to === t.column && (!t.name || refMatches(c.relation, t.schema, t.name)),
      )
    );
  }
  return (
    a.creates.some((r) => r.kind !== 'index' && refMatches(r, t.schema, t.name)) ||
    a.renames.some((r) => refMatches(r.to, t.schema, t.name))
  );
}

function destroys(a: MigrationSqlAnalysis, t: Target): boolean {
  if (t.column) {
    return (
      a.columns.dropped.some(
        (c) => c.column === t.column && (!t.name || refMatches(c.relation, t.schema, t.name)),
      ) ||
      a.columns.renamed.some(
        (c) => c.from === t.column && (!t.name || refMatches(c.relation, t.schema, t.name)),
      )
    );
  }
  return (
    a.drops.some((r) => r.kind !== 'index' && refMatches(r, t.schema, t.name)) ||
    a.renames.some((r) => refMatches(r.from, t.schema, t.name))
  );
}

/** The version tables of the supported layouts: bookkeeping, never ORM-bootstrapped. */
const VERSION_TABLES = new Set([
  'alembic_version',
  'schema_migrations',
  '__diesel_schema_migrations',
  '_prisma_migrations',
]);

function failingPart(f: FailureToDiagnose): string {
  return f.migration ? `migration ${f.migration}` : 'the failing statement';
}

async function diagnoseMissing(
  f: FailureToDiagnose,
  t: Target,
  ctx: DiagnosisContext,
): Promise<string | undefined> {
  const what = label(t);
  const user = failingPart(f);
  // 1. Recorded during this run: the migration that dropped it.
  if (!t.column && ctx.provenance) {
    const dropper = [...ctx.provenance.migrations]
      .reverse()
      .find((m) =>
        m.dropped.some((r) => refMatches({ schema: r.schema, name: r.name }, t.schema, t.name)),
      );
    if (dropper)
      return `${what} was dropped by migration ${dropper.revision} (${dropper.file}) earlier in this run; ${user} still uses it. Fix ${user} (guard it on the table's existence or target what replaced it), then resume with --retry.`;
  }
  const static_ = await analyses(ctx.migrations);
  const applied = new Set(ctx.applied);
  const order = ctx.migrations.map((m) => m.revision);
  // 2. Statically: the last applied migration that dropped (or renamed away) it, not re-created after.
  let lastDrop: string | undefined;
  let lastCreate: string | undefined;
  for (const rev of order) {
    if (!applied.has(rev)) continue;
    const a = static_.get(rev);
    if (!a) continue;
    if (creates(a, t)) lastCreate = rev;
    if (destroys(a, t)) lastDrop = rev;
  }
  if (lastDrop && (!lastCreate || order.indexOf(lastDrop) >= order.indexOf(lastCreate)))
    return `${what} was dropped by migration ${lastDrop} (its SQL drops it); ${user} still uses it. Fix ${user} (guard it on the object's existence or target what replaced it), then resume with --retry.`;
  // 3. A pending migration creates it: a cross-branch ordering problem.
  const pending = order.find(
    (rev) =>
      !applied.has(rev) &&
      rev !== f.migration &&
      static_.get(rev) &&
      creates(static_.get(rev) as MigrationSqlAnalysis, t),
  );
  if (pending) {
    const labels = ctx.migrations.find((m) => m.revision === pending)?.branchLabels ?? [];
    const branch =
      labels.length > 0
        ? `branch ${labels.join(', ')} (upgrade ${pending})`
        : `the branch of ${pending} (upgrade ${pending})`;
    return `${what} is created by migration ${pending}, which is not applied yet: ${user} runs before it (cross-branch ordering). Upgrade ${branch} first, then the rest.`;
  }
  if (lastCreate) return undefined;
  // 4. Nothing in the history creates it.
  const ormTable =
    t.column &&
    t.name &&
    !order.some(
      (rev) =>
        static_.get(rev) &&
        creates(static_.get(rev) as MigrationSqlAnalysis, { schema: t.schema, name: t.name }),
    );
  if (t.column && !ormTable)
    return `no migration in the history adds ${what}; ${user} assumes it exists. Add it in a migration before ${user}.`;
  if (!t.column && VERSION_TABLES.has(t.name))
    return `${what} is a migration tool's version table, not an application table: no migration is meant to create it, and the session's search_path did not find it. Check whether ${user} or one before it changes search_path (SET search_path, set_config('search_path', …)) and then uses the table unqualified.`;
  const table = `"${t.schema ? `${t.schema}.` : ''}${t.name}"`;
  return `no migration in the history creates ${t.column ? `table ${table}` : what}: it is ORM-bootstrapped (created outside migrations, e.g. by metadata.create_all), and ${user} assumes it exists. Remedy: add a bootstrap migration that creates it (CREATE TABLE IF NOT EXISTS) before ${user}, and keep the two-path check (upgrade from empty vs bootstrap + stamp) in CI.`;
}

/**
 * Explains a migration failure from its SQLSTATE and message, or returns undefined when it cannot.
 * 42P01 / 42703: names the migration of this run that dropped the object (provenance), else one
 * whose SQL drops it, else the pending migration that would create it (cross-branch ordering),
 * else says no migration creates it (ORM-bootstrapped). 42704 on a role and an unrecognized
 * configuration parameter: names the role or setting and the step that must create it first.
 */
export async function diagnoseFailure(
  failure: FailureToDiagnose,
  context: DiagnosisContext,
): Promise<string | undefined> {
  const role = /role "([^"]+)" does not exist/.exec(failure.message);
  if (role?.[1])
    return `role "${role[1]}" does not exist: roles must be created before migrations run. Add a roles step (CREATE ROLE ${role[1]}, idempotently) before the migrate step, then resume with --retry.`;
  const guc = /unrecognized configuration parameter "([^"]+)"/.exec(failure.message);
  if (guc?.[1])
    return `setting "${guc[1]}" is not defined on the database: it must be set before migrations run. Add a settings step (ALTER DATABASE … SET ${guc[1]} = '…') before the migrate step, then reconnect and resume with --retry.`;
  if (failure.code !== '42P01' && failure.code !== '42703') return undefined;
  const target = targetOf(failure.code, failure.message);
  return target ? diagnoseMissing(failure, target, context) : undefined;
}

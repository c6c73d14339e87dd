import type { InputProblem } from '../errors.js';
import { readWithChecksumSync } from '../migrations/files.js';
import type { Migration, MigrationLayout, RevisionGraph } from '../migrations/index.js';

/**
 * The version-table column each SQL layout records a revision in, as runbook creates it (see each
 * layout's `ensure`): a longer id would fail on its version-table write, after its migration's
 * SQL has run. `alembic` is absent: Alembic creates its own table (its env.py may widen it).
 */
const REVISION_COLUMNS: Partial<Record<MigrationLayout, { column: string; chars: number }>> = {
  'alembic-sql': { column: 'alembic_version.version_num varchar(128)', chars: 128 },
  diesel: { column: '__diesel_schema_migrations.version varchar(50)', chars: 50 },
  prisma: { column: '_prisma_migrations.migration_name varchar(255)', chars: 255 },
};

/** golang-migrate records versions in a `bigint` column. */
const BIGINT_MAX = 9223372036854775807n;

const at = (m: Migration, line = 1): InputProblem['position'] => ({
  file: m.file,
  line,
  column: 1,
});

/** Revision ids the layout's version table cannot hold, each named at its file. */
export function revisionIdProblems(layout: MigrationLayout, graph: RevisionGraph): InputProblem[] {
  const problems: InputProblem[] = [];
  const limit = REVISION_COLUMNS[layout];
  for (const m of graph.migrations) {
    const chars = [...m.revision].length;
    if (limit && chars > limit.chars) {
      problems.push({
        message: `migrations: revision id of ${chars} characters; the version table column ${limit.column} holds at most ${limit.chars}`,
        position: at(m, m.lines?.revision),
        hint: 'shorten the revision id (and the down_revision headers naming it)',
      });
    } else if (layout === 'golang-migrate' && BigInt(m.revision) > BIGINT_MAX) {
      problems.push({
        message: `migrations: version ${m.revision} does not fit schema_migrations.version (bigint)`,
        position: at(m),
        hint: 'number migrations with at most 19 digits (a timestamp such as 20240131120000)',
      });
    }
  }
  return problems;
}

/**
 * SQL migration files holding a NUL byte, named at file:line: PostgreSQL accepts no NUL in a
 * query, so such a file would fail only when its turn comes, after the migrations before it.
 */
export function nulByteProblems(graph: RevisionGraph): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const m of graph.migrations) {
    const line = nulLine(readWithChecksumSync(m.file).text);
    if (line !== undefined) {
      problems.push({
        message: 'migrations: the file holds a NUL byte, which PostgreSQL never accepts in SQL',
        position: at(m, line),
        hint: 'the file is binary or mis-encoded: save it as UTF-8 text',
      });
    }
  }
  return problems;
}

/** The 1-based line of the first NUL character of `text`, if any. */
export function nulLine(text: string): number | undefined {
  const i = text.indexOf('\0');
  if (i < 0) return undefined;
  let line = 1;
  for (let k = text.indexOf('\n'); k >= 0 && k < i; k = text.indexOf('\n', k + 1)) line++;
  return line;
}

/**
 * A relative target (`+N`) asking for more migrations than the whole history holds can never be
 * met (Alembic: "Relative revision +N didn't produce N migrations"); refused before the run. One
 * within the history that exceeds what is pending fails the step before it applies anything.
 */
export function relativeTargetProblems(targets: readonly string[], graph: RevisionGraph): string[] {
  const total = graph.migrations.length;
  return targets.flatMap((t) => {
    const n = /^\+(\d+)$/.exec(t.trim());
    if (!n || Number(n[1]) <= total) return [];
    return [
      `target "${t}" asks for ${Number(n[1])} migrations but the history has only ${total}` +
        ' (Alembic: relative revision didn’t produce that many migrations)',
    ];
  });
}

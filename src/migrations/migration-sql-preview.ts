import { redactUrl } from '../postgres/url.js';
import type { RevisionGraph } from './revision-graph.js';
import type { Migration, MigrationSource, Queryable } from './types.js';

/** The SQL one migration would send. */
export interface MigrationSqlPreview {
  revision: string;
  file: string;
  sql: string;
}

/**
 * A session on a database that a dry run plans to be empty (just created from its template): no
 * version table is found, and the current schema is `public`, where the tools create theirs. Only
 * the version table's lookup is sent to it.
 */
export const EMPTY_DATABASE: Queryable = {
  query: (async () => ({ rows: [{ found: null, current: 'public' }], rowCount: 1 })) as never,
};

/** A session that records the statements sent to it and answers none: to learn what a write sends. */
function recorder(into: string[]): Queryable {
  return {
    query: (async (sql: string) => {
      into.push(sql);
      return { rows: [], rowCount: 0 };
    }) as never,
  };
}

/**
 * The SQL each migration of `plan` would send, as the runner sends it (docs/design.md
 * "Migrations"): the version table's creation when it is missing, then per migration `BEGIN`,
 * the file's upgrade text (dbmate: its up section), the version-table write, `COMMIT`; a
 * non-transactional one without the transaction, recorded after it. `client` must be a session on
 * the target database (or {@link EMPTY_DATABASE}); only the version table's lookup and rows are
 * read from it. `rows` are the version rows the first migration starts from; `tableExists` says an
 * earlier step would have created the version table. The runner's
 * read-only provenance probe is not shown. Passwords (`PASSWORD '…'`, URLs) are masked. The
 * `alembic` layout runs Python: its migrations have no SQL to show, which the preview says.
 */
export async function previewMigrationSql(
  source: MigrationSource,
  graph: RevisionGraph,
  plan: readonly Migration[],
  rows: readonly string[],
  client: Queryable,
  options: { tableExists?: boolean } = {},
): Promise<MigrationSqlPreview[]> {
  const table = source.versionTable;
  const exists = (await table.read(client)) !== null || options.tableExists === true;
  const created: string[] = [];
  if (!exists && !source.external) await table.ensure(recorder(created));
  let current = [...rows];
  const out: MigrationSqlPreview[] = [];
  for (const [i, m] of plan.entries()) {
    if (source.external) {
      out.push({ revision: m.revision, file: m.file, sql: `-- ${m.revision}: a Python revision, run by Alembic (no SQL to show)` }); // prettier-ignore
      continue;
    }
    const text = (await source.upgradeSql(m)).replace(/\s+$/, '');
    const write = table.recordSql(m, graph, current);
    current = write.rows;
    const record = write.statements.map((s) => `${s.sql};`).join('\n');
    const parts = [
      ...(i === 0 && created.length > 0 ? [`-- the version table, created first\n${created.join(';\n')};`] : []), // prettier-ignore
      m.transactional
        ? `BEGIN;\n${text}\n;\n${record}\nCOMMIT;`
        : `-- outside a transaction, marked in flight first\n${text}\n;\n-- recorded once it finished\n${record}`,
    ];
    out.push({ revision: m.revision, file: m.file, sql: redactUrl(parts.join('\n')) });
  }
  return out;
}

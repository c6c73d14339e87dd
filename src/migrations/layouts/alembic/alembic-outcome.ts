import path from 'node:path';
import { sqlState, StepError } from '../../../errors.js';
import type { BridgeError } from './alembic-bridge.js';
import { appliedSet } from '../../plan.js';
import type { RevisionGraph } from '../../revision-graph.js';
import type { Migration, Queryable, VersionTableAdapter } from '../../types.js';

/**
 * The line of `file` a Python traceback stopped at: its last frame in that file (the revision's
 * own code, below any frames of Alembic or SQLAlchemy it called). Undefined when no frame is.
 */
export function tracebackLine(file: string, traceback: string | undefined): number | undefined {
  let line: number | undefined;
  for (const f of (traceback ?? '').matchAll(/File "([^"]+)", line (\d+)/g)) {
    if (path.resolve(f[1] as string) === path.resolve(file)) line = Number(f[2]);
  }
  return line;
}

/** The step failure of a revision the bridge reports failed: SQLSTATE, statement, `file:line`. */
export function bridgeFailure(m: Migration, e: BridgeError | undefined): StepError {
  const line = tracebackLine(m.file, e?.traceback);
  const where = line === undefined ? '' : ` (${path.basename(m.file)}:${line})`;
  return new StepError(
    e?.pgcode !== undefined && e.pgcode !== null ? sqlState(e.pgcode) : 'MIGRATION_FAILED',
    `${e?.message ?? `alembic failed on ${m.revision}`}${where}`,
    {
      ...(e?.detail ? { detail: e.detail } : {}),
      ...(e?.hint ? { hint: e.hint } : {}),
      ...(e?.statement ? { statement: e.statement } : {}),
      migration: m.revision,
      file: m.file,
      ...(line !== undefined ? { line } : {}),
      ...(e?.traceback ? { data: { traceback: e.traceback } } : {}),
    },
  );
}

/**
 * After Alembic reported `m` upgraded: the version table read back, and `m` counted as applied
 * only when it records `m` (or a descendant). A revision that commits Alembic's transaction
 * itself (`op.get_bind().commit()` under the stock env.py) leaves its version write in a
 * transaction nobody commits: Alembic reports success, the row is not there, and the next
 * upgrade would run `m` again; so does an env.py that connects to a database of its own. Throws
 * `VERSION_NOT_RECORDED` naming the revision and both causes.
 */
export async function confirmRecorded(
  vt: VersionTableAdapter,
  client: Queryable,
  graph: RevisionGraph,
  m: Migration,
): Promise<string[]> {
  const rows = (await vt.read(client)) ?? [];
  if (appliedSet(graph, rows).has(m.revision)) return rows;
  throw new StepError(
    'VERSION_NOT_RECORDED',
    `alembic ran ${m.revision} (${path.basename(m.file)}) but ${vt.table} does not record it ` +
      `(it holds ${rows.length > 0 ? rows.join(', ') : 'no row'}): either the revision ended ` +
      `Alembic's transaction itself (a commit mid-way), so the version write after it was never ` +
      `committed, or env.py connected to another database than this one and wrote it there`,
    {
      migration: m.revision,
      file: m.file,
      hint:
        'after a commit mid-way, what ran before it took effect: run non-transactional ' +
        'statements inside `with op.get_context().autocommit_block():` instead of committing; ' +
        'an env.py must connect with the URL it is given (sqlalchemy.url, or DATABASE_URL), not ' +
        `one of its own. Then check both databases and stamp ${m.revision} or fix it and resume`,
      data: { version_rows: rows },
    },
  );
}

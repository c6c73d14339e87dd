import type { MigrationLayout } from './types.js';

/** At most this many recorded versions are named one by one in a summary line. */
const NAMED_AT_MOST = 3;

/**
 * The version rows as a summary line prints them: `base` when none, each one up to
 * {@link NAMED_AT_MOST}, else `163 applied, first <a>, last <b>` (diesel's and Prisma's tables
 * hold one row per applied migration: hundreds at real sizes; sorted, so first and last are the
 * oldest and newest) or, for Alembic's heads, `4 heads, first <a>, last <b>`. The step's output
 * keeps every row.
 */
export function summarizeVersions(rows: readonly string[], layout?: MigrationLayout): string {
  if (rows.length === 0) return 'base';
  if (rows.length <= NAMED_AT_MOST) return rows.join(', ');
  const noun = layout === 'alembic' || layout === 'alembic-sql' ? 'heads' : 'applied';
  return `${rows.length} ${noun}, first ${rows[0]}, last ${rows[rows.length - 1]}`;
}

import path from 'node:path';
import type { LayoutDefinition, MigrationSource } from '../../types.js';
import { linearSource, type LinearLayout } from '../linear-history.js';
import { PrismaTable } from './prisma-migrations-table.js';

/** A folder per migration holding `migration.sql`; the folder name is the revision. */
const PRISMA: LinearLayout = {
  name: 'prisma',
  shape: 'folder',
  isMigrationFile: (name) => name === 'migration.sql',
  identify: (name) => ({ revision: name, key: name }),
  versionTable: () => new PrismaTable(),
  // `migrate deploy` applies every migration the table lacks (or holds only rolled back), older
  // ones included.
  complete: (m) => ({ ...m, oneQuery: true, unwrapped: true, recordedAlone: true }),
};

/**
 * The `prisma` layout: `<dir>/<timestamp>_<name>/migration.sql`; revision = directory name.
 * `prisma migrate deploy` sends each script as one simple-protocol query without BEGIN
 * (sql-schema-connector `flavour/postgres/connection.rs` `apply_migration_script` →
 * `client.simple_query(script)`): runbook runs it in a transaction with its row, except a file
 * the server refuses inside one (25001), which it sends the same way (see `unwrapped`).
 */
export function prismaSource(dir: string): MigrationSource {
  return linearSource(PRISMA, dir);
}

/** The `prisma` layout: claims `<folder>/migration.sql` one level under the folder. */
export const prismaLayout: LayoutDefinition = {
  name: 'prisma',
  claims: (file, root) =>
    path.dirname(path.dirname(file)) === root && path.basename(file) === 'migration.sql',
  open: prismaSource,
};

import path from 'node:path';
import type { LayoutDefinition, MigrationSource } from '../../types.js';
import { linearSource, type LinearLayout } from '../linear-history.js';
import { SchemaMigrationsTable } from './schema-migrations-table.js';

const FILE = /^(\d+)_(.*)\.up\.sql$/;

/** `<version>_<name>.up.sql` directly in the folder; the version compares as a number. */
const GOLANG_MIGRATE: LinearLayout = {
  name: 'golang-migrate',
  shape: 'file',
  isMigrationFile: (name) => FILE.test(name),
  identify(name) {
    const m = FILE.exec(name) as RegExpExecArray;
    const version = BigInt(m[1] as string);
    return { revision: version.toString(), key: version, message: m[2] as string };
  },
  versionTable: () => new SchemaMigrationsTable(),
  complete: (m) => ({ ...m, oneQuery: true, unwrapped: true }),
};

/**
 * The `golang-migrate` layout: `<version>_<name>.up.sql` files directly in `dir`. golang-migrate
 * sends each file as one simple-protocol query without BEGIN (`database/postgres/postgres.go`
 * `Run` → `runStatement` → `ExecContext` with no arguments), between `SetVersion(v, dirty=true)`
 * and `SetVersion(v, false)`: runbook runs it in a transaction with its version write, except a
 * file the server refuses inside one (25001), which it sends the same way (see `unwrapped`).
 */
export function golangMigrateSource(dir: string): MigrationSource {
  return linearSource(GOLANG_MIGRATE, dir);
}

/** The `golang-migrate` layout: claims `<version>_<name>.up.sql` files directly in the folder. */
export const golangMigrateLayout: LayoutDefinition = {
  name: 'golang-migrate',
  claims: (file, root) => path.dirname(file) === root && FILE.test(path.basename(file)),
  open: golangMigrateSource,
};

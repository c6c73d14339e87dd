import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { invalidHistory } from '../../revision-graph.js';
import type { LayoutDefinition, MigrationSource } from '../../types.js';
import { linearSource, type LinearLayout } from '../linear-history.js';
import { DieselTable } from './diesel-table.js';

/**
 * Diesel's version of a migration directory: the name up to its first `_` (all of it when there
 * is none), with every `-` removed, as diesel_migrations' `migrations_internals/src/lib.rs`
 * `version_from_string` computes it (`path.split('_').next().map(|s| s.replace('-', ""))`).
 * `2024-01-02-000000_2_add` → `20240102000000`; `20240101000000_001_init` → `20240101000000`.
 */
export function dieselVersion(dirName: string): string {
  return (dirName.split('_')[0] as string).replace(/-/g, '');
}

/**
 * Whether diesel runs the migration in `dir` inside a transaction: its `metadata.toml`'s
 * `run_in_transaction`. As `migrations_internals` `TomlMetadata` reads it: no file → true (the
 * struct's `Default`); a file without the key → false (the field's `#[serde(default)]`, a bool's
 * default); other keys are ignored; a value that is not a boolean is an error. Only top-level
 * `key = value` lines are read; keys under a `[table]` header are not top-level.
 */
export function dieselRunsInTransaction(dir: string): boolean {
  const file = path.join(dir, 'metadata.toml');
  if (!existsSync(file)) return true;
  let inTable = false;
  let value = false;
  for (const [i, raw] of readFileSync(file, 'utf8').split('\n').entries()) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inTable = true;
      continue;
    }
    const m =
      /^("run_in_transaction"|'run_in_transaction'|run_in_transaction)\s*=\s*(.*?)\s*(#.*)?$/.exec(
        line,
      );
    if (!m || inTable) continue;
    if (m[2] !== 'true' && m[2] !== 'false') {
      throw invalidHistory(
        `run_in_transaction must be true or false, not ${JSON.stringify(m[2])}`,
        file,
        i + 1,
      );
    }
    value = m[2] === 'true';
  }
  return value;
}

/** A folder per migration holding `up.sql`; the folder name gives the version and message. */
const DIESEL: LinearLayout = {
  name: 'diesel',
  shape: 'folder',
  isMigrationFile: (name) => name === 'up.sql',
  identify(name) {
    const version = dieselVersion(name);
    return { revision: version, key: version, message: name };
  },
  versionTable: () => new DieselTable(),
  complete: (m) => ({
    ...m,
    transactional: dieselRunsInTransaction(path.dirname(m.file)),
    oneQuery: true,
    // diesel runs every migration its table lacks (`pending_migrations`), older ones included.
    recordedAlone: true,
  }),
};

/**
 * The `diesel` layout: every directory directly under `dir` (not starting with `.`) holding an
 * `up.sql`, as diesel's `migrations_directories` / `valid_sql_migration_directory` find them;
 * revision = {@link dieselVersion}, applied in version (string) order as diesel's
 * `pending_migrations` sorts them. A `metadata.toml` with `run_in_transaction = false` runs the
 * file outside a transaction, as one simple-protocol query (diesel's `batch_execute`).
 */
export function dieselSource(dir: string): MigrationSource {
  return linearSource(DIESEL, dir);
}

/** The `diesel` layout: claims `<folder>/up.sql` one level under the folder. */
export const dieselLayout: LayoutDefinition = {
  name: 'diesel',
  claims: (file, root) =>
    path.dirname(path.dirname(file)) === root && path.basename(file) === 'up.sql',
  open: dieselSource,
};

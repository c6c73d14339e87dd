import path from 'node:path';
import { readWithChecksum, walkFiles } from '../files.js';
import { invalidHistory } from '../revision-graph.js';
import type { Migration, MigrationLayout, MigrationSource, VersionTableAdapter } from '../types.js';

/** What a linear layout reads from the name of one of its migrations. */
export interface LinearName {
  /** The version the tool records. */
  revision: string;
  /** Sort key: the tool applies migrations in this order (numeric versions compare as numbers). */
  key: bigint | string;
  message?: string;
}

/** Where a linear layout keeps its migrations and how it names them. */
export interface LinearLayoutFiles {
  /**
   * `file`: each migration is a file directly in the folder (golang-migrate, dbmate); `folder`:
   * each is a folder directly in it, holding the migration's file (diesel, Prisma).
   */
  shape: 'file' | 'folder';
  /** Whether a file of this name is a migration's file (`up.sql`, `…up.sql`). */
  isMigrationFile(name: string): boolean;
  /** The migration's version, sort key and message, from its name (file's, or folder's). */
  identify(name: string): LinearName;
}

/**
 * Reads the history of a linear layout under `root`: every migration file where `files` says it
 * sits, each migration the parent of the next in sort-key order. Two migrations with one version
 * fail with `INVALID_MIGRATIONS` naming both files. Each migration is transactional unless the
 * layout says otherwise.
 */
export async function readLinearHistory(
  root: string,
  files: LinearLayoutFiles,
): Promise<Migration[]> {
  const found = await walkFiles(root, (n) => files.isMigrationFile(n));
  const entries = found
    .filter(
      (f) => (files.shape === 'file' ? path.dirname(f) : path.dirname(path.dirname(f))) === root,
    )
    .map((file) => {
      const name = path.basename(files.shape === 'file' ? file : path.dirname(file));
      return { ...files.identify(name), file };
    });
  const sorted = entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const seen = new Map<string, string>();
  const out: Migration[] = [];
  for (const [i, e] of sorted.entries()) {
    const also = seen.get(e.revision);
    if (also !== undefined) {
      throw invalidHistory(`duplicate version ${e.revision} (also ${also})`, e.file);
    }
    seen.set(e.revision, e.file);
    const prev = sorted[i - 1];
    const { checksum } = await readWithChecksum(e.file);
    out.push({
      revision: e.revision,
      parents: prev ? [prev.revision] : [],
      branchLabels: [],
      dependsOn: [],
      ...(e.message ? { message: e.message } : {}),
      transactional: true,
      file: e.file,
      checksum,
    });
  }
  return out;
}

/** A linear layout: its files, its version table and what it adds to each listed migration. */
export interface LinearLayout extends LinearLayoutFiles {
  name: MigrationLayout;
  /** A new adapter for the layout's version table (one per source: adapters keep state). */
  versionTable(): VersionTableAdapter;
  /** The layout's own fields of a listed migration (how it is sent, whether in a transaction). */
  complete?(m: Migration): Migration;
  /** The upgrade SQL of a migration; default: the whole file. */
  upgradeSql?(m: Migration): Promise<string>;
}

/** The history at `dir` in the linear `layout`, read by {@link readLinearHistory}. */
export function linearSource(layout: LinearLayout, dir: string): MigrationSource {
  const root = path.resolve(dir);
  return {
    layout: layout.name,
    dir: root,
    external: false,
    versionTable: layout.versionTable(),
    async list() {
      const history = await readLinearHistory(root, layout);
      return layout.complete ? history.map((m) => layout.complete?.(m) ?? m) : history;
    },
    async upgradeSql(m) {
      return layout.upgradeSql ? layout.upgradeSql(m) : (await readWithChecksum(m.file)).text;
    },
  };
}

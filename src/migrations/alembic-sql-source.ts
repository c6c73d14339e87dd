import path from 'node:path';
import { AlembicVersionTable } from './alembic-version-table.js';
import { readWithChecksum, walkFiles } from './files.js';
import { parseSqlHeader } from './sql-header.js';
import type { Migration, MigrationSource } from './types.js';

/** Migrations parsed in this process, by file and checksum (a listing is made several times per run). */
const parsed = new Map<string, Migration>();

/**
 * The `alembic-sql` layout: `*.sql` files anywhere under `dir`, each opening with the header
 * comments of DESIGN.md. Declared order = files sorted by relative path.
 */
export function alembicSqlSource(dir: string): MigrationSource {
  const root = path.resolve(dir);
  return {
    layout: 'alembic-sql',
    dir: root,
    external: false,
    versionTable: new AlembicVersionTable(),
    async list(): Promise<Migration[]> {
      const files = await walkFiles(root, (n) => n.endsWith('.sql'));
      return Promise.all(
        files.map(async (file) => {
          const { text, checksum } = await readWithChecksum(file);
          const key = `${file}\0${checksum}`;
          const known = parsed.get(key);
          if (known) return known;
          const h = parseSqlHeader(file, text);
          const m: Migration = {
            revision: h.revision,
            parents: h.parents,
            branchLabels: h.branchLabels,
            dependsOn: h.dependsOn,
            ...(h.message ? { message: h.message } : {}),
            transactional: h.transactional,
            file,
            checksum,
            lines: h.lines,
          };
          parsed.set(key, m);
          return m;
        }),
      );
    },
    async upgradeSql(m: Migration): Promise<string> {
      // The header is SQL comments: run the whole file so error positions map to file lines.
      return (await readWithChecksum(m.file)).text;
    },
  };
}

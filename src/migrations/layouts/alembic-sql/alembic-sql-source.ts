import path from 'node:path';
import { readDerivedSync, readWithChecksum, walkFiles } from '../../files.js';
import type { LayoutDefinition, Migration, MigrationSource } from '../../types.js';
import { AlembicVersionTable } from '../alembic/alembic-version-table.js';
import { parseSqlHeader } from './sql-header.js';

/**
 * The `alembic-sql` layout: `*.sql` files anywhere under `dir`, each opening with the header
 * comments of docs/design.md "Layouts". Declared order = files sorted by relative path.
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
      // Parsed once per file content in this process (a run lists its history several times).
      return files.map((file) =>
        readDerivedSync(file, 'alembic-sql migration', ({ text, checksum }): Migration => {
          const h = parseSqlHeader(file, text);
          return {
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
        }),
      );
    },
    async upgradeSql(m: Migration): Promise<string> {
      // The header is SQL comments: run the whole file so error positions map to file lines.
      return (await readWithChecksum(m.file)).text;
    },
  };
}

/** Whether `file` opens with a `-- revision:` header line (within its first 4 KiB). */
function hasRevisionHeader(file: string): boolean {
  return readDerivedSync(file, 'has revision header', ({ text }) =>
    /^\s*--\s*revision\s*:/im.test(text.slice(0, 4096)),
  );
}

/** The `alembic-sql` layout: claims any `.sql` file under the folder with a `-- revision:` header. */
export const alembicSqlLayout: LayoutDefinition = {
  name: 'alembic-sql',
  claims: (file) => hasRevisionHeader(file),
  open: alembicSqlSource,
};

import path from 'node:path';
import { readDerivedSync, readWithChecksum, upgradePart } from '../../files.js';
import type { LayoutDefinition, MigrationSource } from '../../types.js';
import { linearSource, type LinearLayout } from '../linear-history.js';
import { DBMATE_FILE, hasMigrateUp, parseDbmate, type DbmateSections } from './dbmate-sections.js';
import { DbmateTable } from './dbmate-table.js';

/** A dbmate file's sections, parsed once per content of the file. */
function sectionsOf(file: string): DbmateSections {
  return readDerivedSync(file, 'dbmate sections', ({ text }) => parseDbmate(file, text));
}

/**
 * `<version><anything>.sql` directly in the folder, its version the leading digits as written
 * (leading zeros kept), applied in file-name order.
 */
const DBMATE: LinearLayout = {
  name: 'dbmate',
  shape: 'file',
  isMigrationFile: (name) => DBMATE_FILE.test(name),
  identify: (name) => ({
    revision: (DBMATE_FILE.exec(name) as RegExpExecArray)[1] as string,
    key: name,
    message: name.replace(/\.sql$/, ''),
  }),
  versionTable: () => new DbmateTable(),
  complete(m) {
    const s = sectionsOf(m.file);
    return { ...m, transactional: s.transactional, upEnd: s.upEnd, recordedAlone: true };
  },
  async upgradeSql(m) {
    const { text } = await readWithChecksum(m.file);
    return upgradePart(text, parseDbmate(m.file, text).upEnd);
  },
};

/** The `dbmate` layout: `<version><anything>.sql` files directly in `dir`, up and down sections. */
export function dbmateSource(dir: string): MigrationSource {
  return linearSource(DBMATE, dir);
}

/** The `dbmate` layout: claims `<version>….sql` files directly in the folder with a `-- migrate:up` line. */
export const dbmateLayout: LayoutDefinition = {
  name: 'dbmate',
  claims: (file, root) =>
    path.dirname(file) === root &&
    DBMATE_FILE.test(path.basename(file)) &&
    readDerivedSync(file, 'has migrate:up', ({ text }) => hasMigrateUp(text)),
  open: dbmateSource,
};

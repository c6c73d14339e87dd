import path from 'node:path';
import { StepError } from '../errors.js';
import { quoteLiteral } from '../postgres/quote.js';
import { readDerivedSync, readWithChecksum, walkFiles } from './files.js';
import { chainLinear } from './linear-history.js';
import { invalidHistory } from './revision-graph.js';
import { stampVersionRows, VersionTableLocation } from './version-table-location.js';
import type {
  GraphView,
  Migration,
  MigrationSource,
  Queryable,
  VersionTableAdapter,
  VersionWrite,
} from './types.js';

// The rules below are dbmate's own (pkg/dbmate/db.go and migration.go, pkg/driver/postgres):
// a migration is a file directly in the folder named `^(\d+).*\.sql$`, its version the leading
// digits as written (leading zeros kept), files applied in file-name order.
const FILE = /^(\d+).*\.sql$/;
const UP = /^--\s*migrate:up(\s*$|\s+\S+)/gm;
const DOWN = /^--\s*migrate:down(\s*$|\s+\S+)/gm;

/** True when `text` has a `-- migrate:up` line: what tells a dbmate file from other SQL. */
export function hasMigrateUp(text: string): boolean {
  return new RegExp(UP.source, 'm').test(text);
}

/** The up section of a dbmate file: where it ends (the `-- migrate:down` line) and its options. */
export interface DbmateSections {
  /** Offset of the `-- migrate:down` directive: the upgrade is everything before it. */
  upEnd: number;
  /** False for `-- migrate:up transaction:false`. */
  transactional: boolean;
}

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/**
 * Parses a dbmate migration as dbmate does (parseMigrationContents): a `-- migrate:up` line, only
 * blank and comment lines before it, then one `-- migrate:down` line after it. Options follow the up
 * directive as `key:value` words; `transaction:false` runs it outside a transaction. A file with a
 * second `-- migrate:up` section is refused: dbmate would record its version once per section and
 * fail on the second insert. Throws `INVALID_MIGRATIONS` naming `file:line`.
 */
export function parseDbmate(file: string, text: string): DbmateSections {
  const ups = [...text.matchAll(UP)];
  const up = ups[0];
  if (!up) throw invalidHistory("dbmate needs an up block starting with '-- migrate:up'", file, 1);
  const before = text.slice(0, up.index).split('\n');
  const stray = before.findIndex((l) => !/^\s*$/.test(l) && !/^\s*--/.test(l));
  if (stray >= 0) {
    throw invalidHistory("a statement precedes the '-- migrate:up' block", file, stray + 1);
  }
  if (ups.length > 1) {
    const second = ups[1] as RegExpExecArray;
    throw invalidHistory(
      "a second '-- migrate:up' section: dbmate would record the version twice",
      file,
      lineOf(text, second.index),
    );
  }
  // As dbmate, the down block is looked for after the up directive only.
  const downs = [...text.slice(up.index).matchAll(DOWN)].map((d) => up.index + d.index);
  const down = downs[0];
  if (down === undefined) {
    throw invalidHistory(
      "dbmate needs a down block starting with '-- migrate:down' after '-- migrate:up'",
      file,
      lineOf(text, up.index),
    );
  }
  if (downs.length > 1) {
    throw invalidHistory("a second '-- migrate:down' line", file, lineOf(text, downs[1] as number));
  }
  const directive = (text.slice(up.index).split('\n')[0] as string)
    .replace(/^--\s*migrate:up/, '')
    .trim();
  const options = new Map<string, string>();
  for (const word of directive === '' ? [] : directive.split(/\s+/)) {
    const pair = word.split(':');
    if (pair.length === 2) options.set(pair[0] as string, pair[1] as string);
  }
  return { upEnd: down, transactional: options.get('transaction') !== 'false' };
}

/** `text` with everything from the `-- migrate:down` line blanked (its line breaks kept). */
export function dbmateUpgradeText(text: string, upEnd: number): string {
  return text.slice(0, upEnd) + text.slice(upEnd).replace(/[^\n]/g, '');
}

/** dbmate's `schema_migrations`: one row per applied migration, `version varchar primary key`. */
class DbmateTable implements VersionTableAdapter {
  readonly table = 'schema_migrations';
  private readonly at = new VersionTableLocation(this.table);
  private checked = false;

  async ensure(client: Queryable): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${await this.at.locate(client)} (version varchar primary key)`,
    );
  }

  async read(client: Queryable): Promise<string[] | null> {
    if (!(await this.at.exists(client))) return null;
    if (!this.checked) await this.refuseForeign(client);
    const { rows } = await client.query<{ version: string }>(
      `SELECT version::text AS version FROM ${this.at.sql} ORDER BY version`,
    );
    return rows.map((r) => r.version);
  }

  /** golang-migrate's table has the same name; its single `dirty` row is not dbmate's record. */
  private async refuseForeign(client: Queryable): Promise<void> {
    const { rows } = await client.query<{ attname: string }>(
      `SELECT attname FROM pg_catalog.pg_attribute
        WHERE attrelid = pg_catalog.to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
      [this.at.sql],
    );
    const columns = rows.map((r) => r.attname);
    if (!columns.includes('version') || columns.includes('dirty')) {
      throw new StepError(
        'VERSION_TABLE_FOREIGN',
        `${this.at.sql} is not dbmate's version table (columns: ${columns.join(', ')})`,
        {
          hint: columns.includes('dirty')
            ? "it is golang-migrate's: set `layout: golang-migrate`, or migrate another database"
            : 'dbmate keeps schema_migrations(version varchar primary key)',
        },
      );
    }
    this.checked = true;
  }

  recordSql(m: Migration, _graph: GraphView, rows: readonly string[]): VersionWrite {
    return {
      statements: [
        { sql: `INSERT INTO ${this.at.sql} (version) VALUES (${quoteLiteral(m.revision)})` },
      ],
      rows: [...rows, m.revision].sort(),
    };
  }

  async stamp(client: Queryable, revisions: string[], graph: GraphView): Promise<void> {
    const all = new Set([...revisions, ...graph.ancestors(revisions)]);
    await this.ensure(client);
    await stampVersionRows(client, this.at.sql, all);
  }
}

function sectionsOf(file: string): DbmateSections {
  return readDerivedSync(file, 'dbmate sections', ({ text }) => parseDbmate(file, text));
}

/** The `dbmate` layout: `<version><anything>.sql` files directly in `dir`, up and down sections. */
export function dbmateSource(dir: string): MigrationSource {
  const root = path.resolve(dir);
  return {
    layout: 'dbmate',
    dir: root,
    external: false,
    versionTable: new DbmateTable(),
    async list() {
      const files = (await walkFiles(root, (n) => FILE.test(n))).filter(
        (f) => path.dirname(f) === root,
      );
      const byVersion = new Map<string, string>();
      const entries = files.map((file) => {
        const name = path.basename(file);
        const version = (FILE.exec(name) as RegExpExecArray)[1] as string;
        const prior = byVersion.get(version);
        if (prior) throw invalidHistory(`duplicate version ${version} (also ${prior})`, file);
        byVersion.set(version, file);
        return { revision: version, file, key: name, message: name.replace(/\.sql$/, '') };
      });
      const chained = await chainLinear(entries);
      return chained.map((m) => {
        const s = sectionsOf(m.file);
        return { ...m, transactional: s.transactional, upEnd: s.upEnd, recordedAlone: true };
      });
    },
    async upgradeSql(m) {
      const { text } = await readWithChecksum(m.file);
      return dbmateUpgradeText(text, parseDbmate(m.file, text).upEnd);
    },
  };
}

import { invalidHistory } from '../../revision-graph.js';

// The rules below are dbmate's own (pkg/dbmate/db.go and migration.go, pkg/driver/postgres):
// a migration is a file directly in the folder named `^(\d+).*\.sql$`, its version the leading
// digits as written (leading zeros kept), files applied in file-name order.
/** A dbmate migration's file name (directly in the folder); group 1 is its version. */
export const DBMATE_FILE = /^(\d+).*\.sql$/;
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

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../errors.js';
import { alembicSource } from './alembic-source.js';
import { alembicSqlSource } from './alembic-sql-source.js';
import { dbmateSource, hasMigrateUp } from './dbmate-source.js';
import { dieselSource } from './diesel-source.js';
import { readDerivedSync, walkFiles } from './files.js';
import { golangMigrateSource } from './golang-migrate-source.js';
import { prismaSource } from './prisma-source.js';
import { MIGRATION_LAYOUTS, type MigrationLayout, type MigrationSource } from './types.js';

function isDbmateFile(file: string): boolean {
  return readDerivedSync(file, 'has migrate:up', ({ text }) => hasMigrateUp(text));
}

function hasRevisionHeader(file: string): boolean {
  return readDerivedSync(file, 'has revision header', ({ text }) =>
    /^\s*--\s*revision\s*:/im.test(text.slice(0, 4096)),
  );
}

/** Evidence per layout: the files that make `dir` look like it (first few). */
async function detect(dir: string): Promise<Map<MigrationLayout, string[]>> {
  const found = new Map<MigrationLayout, string[]>();
  const add = (layout: MigrationLayout, file: string): void => {
    found.set(layout, [...(found.get(layout) ?? []), file]);
  };
  if (existsSync(path.join(dir, 'alembic.ini'))) add('alembic', path.join(dir, 'alembic.ini'));
  const files = await walkFiles(dir, (n) => n.endsWith('.sql'));
  for (const f of files) {
    const name = path.basename(f);
    const parent = path.dirname(f);
    if (hasRevisionHeader(f)) add('alembic-sql', f);
    else if (parent === dir && /^\d+.*\.sql$/.test(name) && isDbmateFile(f)) add('dbmate', f);
    else if (parent === dir && /^\d+_.*\.up\.sql$/.test(name)) add('golang-migrate', f);
    else if (path.dirname(parent) === dir && name === 'up.sql') add('diesel', f);
    else if (path.dirname(parent) === dir && name === 'migration.sql') add('prisma', f);
  }
  // An Alembic project may keep SQL files around; alembic.ini decides.
  if (found.has('alembic')) return new Map([['alembic', found.get('alembic') as string[]]]);
  return found;
}

/** Builds the source of a known layout. */
export function sourceFor(layout: MigrationLayout, dir: string): MigrationSource {
  switch (layout) {
    case 'alembic-sql':
      return alembicSqlSource(dir);
    case 'alembic':
      return alembicSource(dir);
    case 'golang-migrate':
      return golangMigrateSource(dir);
    case 'diesel':
      return dieselSource(dir);
    case 'prisma':
      return prismaSource(dir);
    case 'dbmate':
      return dbmateSource(dir);
  }
}

/**
 * Opens the migration history at `dir` (for `alembic`, the directory of alembic.ini or the ini
 * file itself). Without `layout` the layout is detected; no match or several layouts at once fail
 * with `MIGRATION_LAYOUT` naming the evidence files.
 */
export async function loadMigrationSource(
  dir: string,
  layout?: MigrationLayout,
): Promise<MigrationSource> {
  let root = path.resolve(dir);
  if (!existsSync(root)) {
    throw new StepError('MIGRATION_SOURCE', `migration source ${root} does not exist`);
  }
  if (path.parse(root).root === root) {
    throw new StepError(
      'MIGRATION_SOURCE',
      `${root} is the filesystem root, not a migration folder`,
      {
        hint: 'point the migration source at the folder holding the migrations',
      },
    );
  }
  if (statSync(root).isFile()) {
    if (path.basename(root).endsWith('.ini') && (layout ?? 'alembic') === 'alembic') {
      return alembicSource(root);
    }
    throw new StepError('MIGRATION_SOURCE', `migration source ${root} is a file, not a folder`);
  }
  if (layout) {
    if (!MIGRATION_LAYOUTS.includes(layout)) {
      throw new StepError('MIGRATION_LAYOUT', `unknown layout "${String(layout)}"`, {
        hint: `one of ${MIGRATION_LAYOUTS.join(', ')}`,
      });
    }
    return sourceFor(layout, root);
  }
  const found = await detect(root);
  if (found.size === 1) {
    const [only] = [...found.keys()] as [MigrationLayout];
    return sourceFor(only, root);
  }
  if (found.size === 0) {
    throw new StepError('MIGRATION_LAYOUT', `no migrations found under ${root}`, {
      hint: `expected one of the layouts ${MIGRATION_LAYOUTS.join(', ')}`,
    });
  }
  const evidence = [...found.entries()]
    .map(([l, files]) => `${l}: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`)
    .join('; ');
  root = path.relative(process.cwd(), root) || root;
  throw new StepError('MIGRATION_LAYOUT', `${root} mixes migration layouts (${evidence})`, {
    hint: 'set `layout:` explicitly or separate the histories',
  });
}

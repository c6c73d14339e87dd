import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../errors.js';
import { walkFiles } from './files.js';
import { LAYOUTS, sourceFor } from './layouts/index.js';
import { MIGRATION_LAYOUTS, type MigrationLayout, type MigrationSource } from './types.js';

/**
 * Evidence per layout: the files that make `dir` look like it. A layout's marker file decides
 * alone; otherwise each `.sql` file goes to the first layout that claims it.
 */
async function detect(dir: string): Promise<Map<MigrationLayout, string[]>> {
  // Walked first even when a marker decides: a folder that cannot be walked fails either way.
  const files = await walkFiles(dir, (n) => n.endsWith('.sql'));
  for (const layout of LAYOUTS) {
    const marker = layout.marker && path.join(dir, layout.marker);
    if (marker && existsSync(marker)) return new Map([[layout.name, [marker]]]);
  }
  const found = new Map<MigrationLayout, string[]>();
  for (const file of files) {
    const layout = LAYOUTS.find((l) => l.claims?.(file, dir));
    if (layout) found.set(layout.name, [...(found.get(layout.name) ?? []), file]);
  }
  return found;
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
      return sourceFor('alembic', root);
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

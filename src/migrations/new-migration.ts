import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../errors.js';
import { alembicUnavailable, findPython } from './layouts/alembic/bridge-python.js';
import { loadMigrationSource } from './load-source.js';
import { sourceFor } from './layouts/index.js';
import { RevisionGraph } from './revision-graph.js';
import type { MigrationLayout, MigrationSource } from './types.js';

/** What {@link newMigration} wrote. */
export interface NewMigration {
  layout: MigrationLayout;
  /** The new migration's revision id (version). */
  revision: string;
  /** The files it wrote, absolute, the upgrade first. */
  files: string[];
  /** The revision it follows, when the layout names one (alembic, alembic-sql). */
  parent?: string;
}

/** Options of {@link newMigration}. */
export interface NewMigrationOptions {
  /** The migration folder (for `alembic`, the folder of alembic.ini). */
  migrations: string;
  /** What the migration does: becomes the file name's slug (and alembic's message). */
  name: string;
  /** Needed for a folder without migrations yet; otherwise detected. */
  layout?: MigrationLayout;
  /** The clock for timestamped layouts (default: now). */
  now?: Date;
}

/** `name` as a file-name slug: letters, digits and `_`. */
function slugOf(name: string): string {
  const slug = name
    .trim()
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') {
    throw new StepError(
      'INVALID_MIGRATIONS',
      `"${name}" gives no file name: use letters or digits`,
    );
  }
  return slug;
}

/** UTC `YYYYMMDDHHMMSS`, bumped past `after` (the newest timestamp version) so it sorts last. */
function timestamp(now: Date, after: string | undefined): string {
  let t = now.getTime();
  const stamp = (ms: number): string =>
    new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  while (after !== undefined && /^\d{14}$/.test(after) && stamp(t) <= after) t += 1000;
  return stamp(t);
}

/** Writes a new file; never replaces one (`wx`). */
function create(file: string, text: string): string {
  writeFileSync(file, text, { flag: 'wx' });
  return file;
}

/** Creates a new directory; never reuses one. */
function createDir(dir: string): string {
  mkdirSync(dir);
  return dir;
}

/**
 * `runbook new <name>`: writes the next migration of the folder's layout, as its tool would
 * (docs/design.md "Layouts"), and never overwrites anything: alembic-sql gets the next revision
 * id (`NNN_<name>` when the history numbers its ids, else 12 hex digits) with `down_revision` the
 * single head (several heads: `MULTIPLE_HEADS`); golang-migrate `NNN_<name>.up.sql` and
 * `.down.sql` (the width kept); diesel `YYYY-MM-DD-HHMMSS_<name>/up.sql` and `down.sql`; prisma
 * `YYYYMMDDHHMMSS_<name>/migration.sql`; dbmate `YYYYMMDDHHMMSS_<name>.sql` with its up and down
 * sections; alembic a revision written by Alembic itself (`command.revision`, the project's
 * `script.py.mako`). The result is read back by the layout's reader before it is returned.
 */
export async function newMigration(options: NewMigrationOptions): Promise<NewMigration> {
  const dir = path.resolve(options.migrations);
  if (!existsSync(dir)) {
    throw new StepError('MIGRATION_SOURCE', `migration folder ${dir} does not exist`);
  }
  const slug = slugOf(options.name);
  const source = await loadMigrationSource(dir, options.layout);
  const graph = new RevisionGraph(await source.list());
  const last = graph.migrations[graph.migrations.length - 1]?.revision;
  const now = options.now ?? new Date();
  const written = writeNext(source, graph, options.name, slug, last, now);
  try {
    // The layout's own reader must accept what was written.
    const after = new RevisionGraph(await sourceFor(source.layout, source.dir).list());
    if (!after.has(written.revision)) {
      throw new StepError(
        'INVALID_MIGRATIONS',
        `${written.files[0]} was not read back as ${written.revision}`,
      );
    }
  } catch (err) {
    // Nothing half-made stays behind: the files, and the directory a layout gave them.
    for (const f of written.files) rmSync(f, { force: true });
    const parent = path.dirname(written.files[0] as string);
    if (parent !== source.dir && readdirSync(parent).length === 0) rmdirSync(parent);
    throw err;
  }
  return written;
}

function writeNext(
  source: MigrationSource,
  graph: RevisionGraph,
  name: string,
  slug: string,
  last: string | undefined,
  now: Date,
): NewMigration {
  const dir = source.dir;
  switch (source.layout) {
    case 'alembic-sql':
      return newAlembicSql(dir, graph, name, slug);
    case 'golang-migrate': {
      // golang-migrate's `create -seq` keeps the width of the versions before it (default 6).
      const lastFile = last === undefined ? undefined : graph.get(last).file;
      const width = /^(\d+)_/.exec(path.basename(lastFile ?? ''))?.[1]?.length ?? 6;
      const version = (BigInt(last ?? '0') + 1n).toString().padStart(width, '0');
      const base = path.join(dir, `${version}_${slug}`);
      return {
        layout: 'golang-migrate',
        revision: BigInt(version).toString(),
        files: [create(`${base}.up.sql`, ''), create(`${base}.down.sql`, '')],
      };
    }
    case 'diesel': {
      const t = timestamp(now, last);
      const d = createDir(
        path.join(dir, `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}-${t.slice(8)}_${slug}`),
      );
      return {
        layout: 'diesel',
        revision: t,
        files: [
          create(path.join(d, 'up.sql'), '-- Your SQL goes here\n'),
          create(path.join(d, 'down.sql'), '-- This file should undo anything in `up.sql`\n'),
        ],
      };
    }
    case 'prisma': {
      const t = timestamp(now, last?.slice(0, 14));
      const d = createDir(path.join(dir, `${t}_${slug}`));
      return {
        layout: 'prisma',
        revision: `${t}_${slug}`,
        files: [create(path.join(d, 'migration.sql'), '-- This is an empty migration.\n')],
      };
    }
    case 'dbmate': {
      const t = timestamp(now, last);
      const file = create(
        path.join(dir, `${t}_${slug}.sql`),
        '-- migrate:up\n\n\n-- migrate:down\n\n',
      );
      return { layout: 'dbmate', revision: t, files: [file] };
    }
    case 'alembic':
      return newAlembic(source as MigrationSource & { ini?: string }, name);
  }
}

function singleHead(graph: RevisionGraph): string | undefined {
  const heads = graph.heads();
  if (heads.length > 1) {
    throw new StepError(
      'MULTIPLE_HEADS',
      `multiple heads are present (${heads.join(', ')}): which one the new migration follows is not clear`,
      { hint: 'merge the heads first (a revision whose down_revision lists them all)' },
    );
  }
  return heads[0];
}

function newAlembicSql(
  dir: string,
  graph: RevisionGraph,
  name: string,
  slug: string,
): NewMigration {
  const head = singleHead(graph);
  const numbered = graph.migrations.map((m) => /^(\d+)_/.exec(m.revision)?.[1]);
  let revision: string;
  if (numbered.length > 0 && numbered.every((n) => n !== undefined)) {
    const max = numbered.reduce((a, n) => (BigInt(n as string) > BigInt(a as string) ? n : a));
    revision = `${(BigInt(max as string) + 1n).toString().padStart((max as string).length, '0')}_${slug}`;
  } else if (numbered.length === 0) revision = `001_${slug}`;
  else revision = randomBytes(6).toString('hex'); // Alembic's own form: 12 hex digits
  const folder = head ? path.dirname(graph.get(head).file) : dir;
  const file = /^\d+_/.test(revision) ? revision : `${revision}_${slug}`;
  const text = `-- revision: ${revision}\n-- down_revision: ${head ?? ''}\n-- message: ${name.replace(/\s+/g, ' ').trim()}\n\n`;
  return {
    layout: 'alembic-sql',
    revision,
    files: [create(path.join(folder, `${file}.sql`), text)],
    ...(head ? { parent: head } : {}),
  };
}

/** Alembic writes its own revision file (`alembic revision -m <name>`), from the project's template. */
function newAlembic(source: MigrationSource & { ini?: string }, name: string): NewMigration {
  const python = findPython();
  if (!python) throw alembicUnavailable();
  const script = [
    'import json, sys',
    'from alembic.config import Config',
    'from alembic import command',
    's = command.revision(Config(sys.argv[1]), message=sys.argv[2])',
    'print(json.dumps({"path": s.path, "revision": s.revision, "down": s.down_revision}))',
  ].join('\n');
  const ini = source.ini ?? path.join(source.dir, 'alembic.ini');
  // As the bridge runs Alembic: from the ini's folder, which a relative script_location names.
  const res = spawnSync(python, ['-c', script, ini, name], {
    encoding: 'utf8',
    cwd: path.dirname(ini),
  });
  if (res.status !== 0) {
    const message =
      /CommandError: (.*)/.exec(res.stderr)?.[1] ?? res.stderr.trim().split('\n').pop();
    const multiple = /Multiple heads/i.test(res.stderr);
    throw new StepError(
      multiple ? 'MULTIPLE_HEADS' : 'ALEMBIC_BRIDGE',
      `alembic revision: ${message ?? 'failed'}`,
      {
        detail: res.stderr,
      },
    );
  }
  const out = JSON.parse(res.stdout.trim().split('\n').pop() as string) as {
    path: string;
    revision: string;
    down: string | string[] | null;
  };
  const parent = Array.isArray(out.down) ? out.down.join(', ') : out.down;
  return {
    layout: 'alembic',
    revision: out.revision,
    files: [out.path],
    ...(parent ? { parent } : {}),
  };
}

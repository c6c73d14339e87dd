import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../../../errors.js';
import { AlembicBridge, type BridgeRevision } from './alembic-bridge.js';
import { readWithChecksum } from '../../files.js';
import type { LayoutDefinition, Migration, MigrationSource } from '../../types.js';
import { AlembicVersionTable } from './alembic-version-table.js';

/** A listing the bridge answered, with what it read (stamped before reading it). */
interface Listing {
  revisions: BridgeRevision[];
  /** The version directories Alembic read revision files from. */
  dirs: string[];
  /** Path → stamp, in the bridge's format (see `stampsOf`). */
  stamps: Map<string, string>;
}

/**
 * Listings kept for the life of the process, per ini: a run lists its revisions in preflight, in
 * the migrate step and in migrations.current, and each listing costs a Python start plus
 * `import alembic`. A listing is reused while the ini, the version directories' entries and
 * every file in them keep their inode, size, modification and change times.
 */
const listings = new Map<string, Listing>();
/** Listings being answered, so concurrent list() calls for one ini share one bridge. */
const inFlight = new Map<string, Promise<Listing>>();

function fileStamp(p: string): string | undefined {
  const st = statSync(p, { bigint: true, throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The stamps of the ini and of `dirs` as the bridge computes them: a file's is
 * inode:size:mtime_ns:ctime_ns; a directory's is `dir:` and its entry names but `__pycache__`
 * (compared as a set); a version location that is not a directory is `missing`.
 */
function stampsOf(ini: string, dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  out.set(ini, fileStamp(ini) ?? 'missing');
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d).filter((n) => n !== '__pycache__');
    } catch {
      out.set(d, 'missing');
      continue;
    }
    out.set(d, `dir:${[...names].sort().join('/')}`);
    for (const n of names) {
      const p = path.join(d, n);
      const s = fileStamp(p);
      if (s !== undefined) out.set(p, s);
    }
  }
  return out;
}

/** Directory stamps compare as sets of names (the bridge sorts by code point, JS by UTF-16). */
function sameStamp(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.startsWith('dir:') || !b.startsWith('dir:')) return false;
  const norm = (s: string): string => s.slice(4).split('/').sort().join('/');
  return norm(a) === norm(b);
}

function sameStamps(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [p, s] of a) {
    const other = b.get(p);
    if (other === undefined || !sameStamp(s, other)) return false;
  }
  return true;
}

/** The kept listing of `ini`, if nothing it read has changed since. */
function keptListing(ini: string): Listing | undefined {
  const kept = listings.get(ini);
  if (kept && sameStamps(kept.stamps, stampsOf(ini, kept.dirs))) return kept;
  if (kept) listings.delete(ini);
  return undefined;
}

/** Asks a bridge for the revisions; keeps the answer when nothing changed while it was read. */
async function listThroughBridge(ini: string): Promise<Listing> {
  const bridge = AlembicBridge.start(ini);
  try {
    const res = await bridge.request({ cmd: 'list' });
    if (res.ok !== true) {
      const err = res.error as { message?: string } | undefined;
      throw new StepError(
        'ALEMBIC_BRIDGE',
        `alembic could not list revisions: ${err?.message ?? ''}`,
        {
          detail: bridge.log.trim(),
        },
      );
    }
    const dirs = (res.dirs as string[] | undefined) ?? [];
    const seen = new Map((res.stamps as [string, string][] | undefined) ?? []);
    const listing: Listing = {
      revisions: res.revisions as unknown as BridgeRevision[],
      dirs,
      stamps: stampsOf(ini, dirs),
    };
    // Kept only when what the bridge stamped before reading is what is there now.
    if (res.cacheable === true && sameStamps(seen, listing.stamps)) listings.set(ini, listing);
    else listings.delete(ini);
    return listing;
  } finally {
    await bridge.close();
  }
}

/** The revisions of `ini`: kept, being listed, or listed now. */
async function listRevisions(ini: string): Promise<BridgeRevision[]> {
  const kept = keptListing(ini);
  if (kept) return kept.revisions;
  const running = inFlight.get(ini);
  if (running) {
    await running.catch(() => undefined);
    // What that listing read may have changed since it began: use it only if it was kept.
    const after = keptListing(ini);
    if (after) return after.revisions;
  }
  const listing = listThroughBridge(ini);
  inFlight.set(ini, listing);
  try {
    return (await listing).revisions;
  } finally {
    if (inFlight.get(ini) === listing) inFlight.delete(ini);
  }
}

/**
 * The `alembic` layout: a real Alembic project given by its alembic.ini (or the directory holding
 * it). Revisions are listed by the Python bridge (Alembic's own ScriptDirectory) and kept while
 * the project's files are unchanged; migrations run through the bridge too (see
 * alembic-upgrade.ts), so `upgradeSql` is unavailable.
 */
export function alembicSource(dirOrIni: string): MigrationSource & { ini: string } {
  const resolved = path.resolve(dirOrIni);
  const ini =
    existsSync(resolved) && statSync(resolved).isFile()
      ? resolved
      : path.join(resolved, 'alembic.ini');
  return {
    layout: 'alembic',
    dir: path.dirname(ini),
    ini,
    external: true,
    versionTable: new AlembicVersionTable(),
    async list(): Promise<Migration[]> {
      if (!existsSync(ini)) throw new StepError('MIGRATION_SOURCE', `${ini} does not exist`);
      // walk_revisions goes heads → base; declared order is the reverse, ties by file path.
      const revs = [...(await listRevisions(ini))].reverse();
      return Promise.all(
        revs.map(async (r) => ({
          revision: r.revision,
          parents: [...r.down_revisions],
          branchLabels: [...r.branch_labels],
          dependsOn: [...r.depends_on],
          ...(r.message ? { message: r.message } : {}),
          transactional: true,
          file: r.path,
          checksum: (await readWithChecksum(r.path)).checksum,
        })),
      );
    },
    async upgradeSql(m: Migration): Promise<string> {
      throw new StepError(
        'MIGRATION_SOURCE',
        `${m.file} is a Python migration: it runs through Alembic`,
      );
    },
  };
}

/** The `alembic` layout: an `alembic.ini` directly in the folder decides, whatever else is there. */
export const alembicLayout: LayoutDefinition = {
  name: 'alembic',
  marker: 'alembic.ini',
  open: alembicSource,
};

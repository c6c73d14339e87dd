import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { StepError } from '../errors.js';
import { invalidHistory } from './revision-graph.js';

/** SHA-256 (hex) of bytes: the checksum recorded for every migration file. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A SQL file's bytes as text, without a leading UTF-8 byte order mark: psql and the migration
 * tools skip it, and sent to the server it would be part of the first token (`<BOM>SELECT`: a
 * syntax error). Checksums stay over the file's exact bytes.
 */
export function sqlText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The part of a migration file's text its upgrade runs: all of it, or (with `upEnd`, see
 * `Migration.upEnd`) what precedes `upEnd`, the rest blanked with its line breaks kept so that
 * `file:line` still holds.
 */
export function upgradePart(text: string, upEnd: number | undefined): string {
  return upEnd === undefined
    ? text
    : text.slice(0, upEnd) + text.slice(upEnd).replace(/[^\n]/g, '');
}

interface CachedFile {
  /** inode, size, mtime and ctime (ns): any write to the file changes ctime. */
  stamp: string;
  text: string;
  checksum: string;
  /** Values computed from this content (see {@link readDerivedSync}), by name. */
  derived?: Map<string, unknown>;
}

/** Migration files read in this process, so preflight, detection and steps read each once. */
const cache = new Map<string, CachedFile>();
let cachedChars = 0;
/** Beyond this many cached characters the cache starts over (a long-lived library process). */
const CACHE_LIMIT = 32 * 1024 * 1024;

/**
 * Reads a file and its checksum in one go. A file read before in this process whose inode, size,
 * modification and change times are all unchanged is not read again (a run lists its history in
 * preflight, in each step and before each migration); any write to it changes its ctime.
 */
export function readWithChecksumSync(file: string): { text: string; checksum: string } {
  const st = statSync(file, { bigint: true });
  const stamp = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  const hit = cache.get(file);
  if (hit?.stamp === stamp) return hit;
  // Small files read synchronously: a history is hundreds of them and the thread pool round
  // trip per file costs more than the read.
  const bytes = readFileSync(file);
  const entry: CachedFile = { stamp, text: sqlText(bytes), checksum: sha256Hex(bytes) };
  if (cachedChars + entry.text.length > CACHE_LIMIT) {
    cache.clear();
    cachedChars = 0;
  }
  if (hit) cachedChars -= hit.text.length;
  cache.set(file, entry);
  cachedChars += entry.text.length;
  return entry;
}

/**
 * A value computed from a file's content by `compute` (its header parsed, say), computed once per
 * content: the file is read as by {@link readWithChecksumSync} and `name` keys the value, which
 * is dropped when the file changes.
 */
export function readDerivedSync<T>(
  file: string,
  name: string,
  compute: (content: { text: string; checksum: string }) => T,
): T {
  const entry = readWithChecksumSync(file) as CachedFile;
  entry.derived ??= new Map();
  if (entry.derived.has(name)) return entry.derived.get(name) as T;
  const value = compute(entry);
  entry.derived.set(name, value);
  return value;
}

/** {@link readWithChecksumSync} as a promise (rejects instead of throwing). */
export async function readWithChecksum(file: string): Promise<{ text: string; checksum: string }> {
  return readWithChecksumSync(file);
}

/** What a directory entry is, following a symlink as the tools' ordinary reads do. */
async function entryKind(
  full: string,
  e: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean },
): Promise<'dir' | 'file' | 'other'> {
  if (!e.isSymbolicLink()) return e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
  try {
    const st = await stat(full);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw invalidHistory('symlink loop: this link resolves to itself', full);
    const target = await readlink(full).catch(() => '?');
    // Never skipped: a link that leads nowhere may have been meant to bring migrations in.
    throw invalidHistory(`broken symlink to ${target} (${code ?? 'unreadable'})`, full);
  }
}

/**
 * The most directory entries a migration folder may hold (all levels): far above any real history
 * (hundreds of files), low enough that a mistaken `source: /` is refused in well under a second
 * instead of walking the whole filesystem.
 */
export const MAX_FOLDER_ENTRIES = 50_000;

/**
 * Every file under `dir` (recursively, skipping dot-directories and `__pycache__`) whose name
 * passes `keep`, as absolute paths sorted by their path relative to `dir` — the declared order.
 * Symlinked files and folders are followed, as Alembic, golang-migrate, Diesel and Prisma follow
 * them (by their link's name and path); a link that leads back into a folder it is in, or nowhere,
 * fails with `INVALID_MIGRATIONS` naming it instead of being skipped. A folder holding more than
 * {@link MAX_FOLDER_ENTRIES} entries, or one that cannot be listed, fails with `MIGRATION_SOURCE`
 * naming it.
 */
export async function walkFiles(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const out: { full: string; rel: string }[] = [];
  let seen = 0;
  /** `d` as listed (links kept), `real` its resolved path, `ancestors` the resolved folders above. */
  const visit = async (
    d: string,
    real: string,
    relDir: string,
    ancestors: Set<string>,
  ): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new StepError(
        'MIGRATION_SOURCE',
        `cannot list ${d === dir ? d : `${d} (in ${dir})`}: ${code}`,
        {
          hint: 'point the migration source at the folder holding the migrations',
        },
      );
    }
    seen += entries.length;
    if (seen > MAX_FOLDER_ENTRIES) {
      throw new StepError(
        'MIGRATION_SOURCE',
        `${dir} holds more than ${MAX_FOLDER_ENTRIES} entries: not a migration folder`,
        { hint: 'point the migration source at the folder holding the migrations' },
      );
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === '__pycache__' || e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const kind = await entryKind(full, e);
      if (kind === 'dir') {
        const target = e.isSymbolicLink() ? await realpath(full) : path.join(real, e.name);
        if (ancestors.has(target)) {
          throw invalidHistory(`symlink loop: this folder link leads back to ${target}`, full);
        }
        await visit(full, target, rel, new Set([...ancestors, target]));
      } else if (kind === 'file' && keep(e.name)) out.push({ full, rel });
    }
  };
  const root = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
    throw new StepError('MIGRATION_SOURCE', `cannot list ${dir}: ${err.code ?? String(err)}`, {
      hint: 'point the migration source at the folder holding the migrations',
    });
  });
  await visit(dir, root, '', new Set([root]));
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)).map((f) => f.full);
}

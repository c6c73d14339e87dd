import type { Stats } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { StepError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { defineAction } from './types.js';

const REGEX_PREFIX = 're:';

const pattern = z
  .string()
  .min(1)
  .refine(
    (p) => {
      if (!p.startsWith(REGEX_PREFIX)) return true;
      try {
        new RegExp(p.slice(REGEX_PREFIX.length));
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression after `re:`' },
  );

const params = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe('File or directory to scan, relative to the working directory'),
    patterns: z
      .array(pattern)
      .min(1)
      .describe(
        'Literal substrings that must not occur; a `re:` prefix makes a regular expression',
      ),
    include: z
      .array(z.string().min(1))
      .optional()
      .describe("Only files whose name ends with one of these (e.g. ['.py', '.sql'])"),
  })
  .describe('files.absent arguments');

const SKIP_DIRS = new Set(['node_modules', '.git']);
const MAX_MATCHES_KEPT = 200;
const MAX_LINE_SHOWN = 200;

interface Matcher {
  pattern: string;
  test(line: string): boolean;
}

function matcher(p: string): Matcher {
  if (p.startsWith(REGEX_PREFIX)) {
    const re = new RegExp(p.slice(REGEX_PREFIX.length));
    return { pattern: p, test: (line) => re.test(line) };
  }
  return { pattern: p, test: (line) => line.includes(p) };
}

/**
 * `full`'s stats, a symlink followed (as Python's imports and the migration tools follow it);
 * undefined for a link that leads nowhere (it holds no text; nothing loads it either).
 */
async function statOf(full: string): Promise<Stats | undefined> {
  return stat(full).catch(() => undefined);
}

/** What `info` (from {@link statOf}) is. */
function kindOf(info: Stats | undefined): 'dir' | 'file' | 'other' {
  return info?.isDirectory() ? 'dir' : info?.isFile() ? 'file' : 'other';
}

/** Whether the real path `inner` is `outer` or below it. */
const within = (inner: string, outer: string): boolean =>
  inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/** What {@link walk} found: files to scan, and the symlinked folders it did not enter. */
interface Walk {
  /** Files already yielded (device:inode): a file reached by two paths is scanned once. */
  files: Set<string>;
  /** Real paths of the folders walked: a link back into one ends there. */
  dirs: Set<string>;
  /** Symlinked folders leading out of the scanned tree (not entered: the scan stays bounded). */
  outside: string[];
}

/**
 * Files under `root` (or `root` itself), depth-first in name order. Symlinked files are followed
 * wherever they lead (as Python's imports and the migration tools follow them); symlinked folders
 * only inside the scanned tree (`top`, a real path), each folder once.
 */
async function* walk(
  root: string,
  top: string,
  seen: Walk,
  keep: (file: string) => boolean,
): AsyncGenerator<string> {
  const info = await statOf(root);
  const kind = kindOf(info);
  if (kind === 'file' && info) {
    // Filtered by the name it is reached by, before it counts as seen: reached again by a name
    // that passes, it is scanned then.
    if (!keep(root)) return;
    // By device and inode: a file reached by a symlink or a hard link too is scanned once.
    const id = `${info.dev}:${info.ino}`;
    if (!seen.files.has(id)) {
      seen.files.add(id);
      yield root;
    }
    return;
  }
  if (kind !== 'dir') return;
  const real = await realpath(root);
  if (seen.dirs.has(real)) return;
  seen.dirs.add(real);
  const entries = await readdir(root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(root, e.name);
    const what = e.isSymbolicLink() ? kindOf(await statOf(full)) : e.isDirectory() ? 'dir' : 'file';
    if (what === 'dir' && SKIP_DIRS.has(e.name)) continue;
    if (what === 'dir' && e.isSymbolicLink()) {
      const target = await realpath(full);
      // A link into node_modules or .git is skipped as they are, whatever it is called.
      if (SKIP_DIRS.has(path.basename(target))) continue;
      if (!within(target, top)) {
        seen.outside.push(full);
        continue;
      }
    }
    if (what === 'dir' || (what === 'file' && (e.isFile() || e.isSymbolicLink())))
      yield* walk(full, top, seen, keep);
  }
}

/**
 * A file or folder the scan could not read, as the step's failure: an absence check that skipped
 * it would prove nothing about it. Anything else is rethrown as it is.
 */
function unreadable(err: unknown, cwd: string, file?: string): unknown {
  const e = err as NodeJS.ErrnoException;
  const at = typeof e?.path === 'string' ? e.path : file;
  if (typeof e?.code !== 'string' || at === undefined) return err;
  const where = path.relative(cwd, at) || at;
  return new StepError('FILE_NOT_READABLE', `files.absent could not read ${where} (${e.code})`, {
    hint: 'an absence check must read every file under its path: fix the permissions or narrow the path',
  });
}

async function isBinary(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).includes(0);
  } finally {
    await handle.close();
  }
}

/**
 * `files.absent`: fails with FILES_PRESENT when any file under `path` (recursively, skipping
 * node_modules and .git and binary files) has a line matching one of `patterns`, listing every
 * `file:line` (data.matches). Symlinked files are followed, symlinked folders only inside `path`
 * (those leading out of it are listed as `links_not_followed`); each file is scanned once.
 * Runbook step 1: "confirm no ORM bootstrap call". Reads only, so it is safe to re-run. It never
 * passes vacuously: a missing path fails (PATH_NOT_FOUND), a file or folder it cannot read fails
 * (FILE_NOT_READABLE), and so does a path where no file was scanned (NOTHING_SCANNED: an empty
 * folder, or `include` matching no file). Output
 * `{ files_scanned, matches: 0, links_not_followed? }`.
 */
export const filesAbsent = defineAction({
  name: 'files.absent',
  summary: 'Check that no file under a path contains any of the given patterns',
  params,
  writes: false,
  async run(ctx, p) {
    const root = path.resolve(ctx.cwd, p.path);
    try {
      await stat(root);
    } catch {
      throw new StepError('PATH_NOT_FOUND', `${p.path} does not exist (resolved to ${root})`, {
        hint: 'check the path param: an absence check on a missing path would prove nothing',
      });
    }
    const matchers = p.patterns.map(matcher);
    const suffixes = p.include?.map((s) => s.replace(/^\*+/, ''));
    const matches: JsonObject[] = [];
    let total = 0;
    let scanned = 0;
    const seen: Walk = { files: new Set(), dirs: new Set(), outside: [] };
    const top = await realpath(root);
    const keep = (file: string): boolean => !suffixes || suffixes.some((s) => file.endsWith(s));
    try {
      for await (const file of walk(root, top, seen, keep)) {
        const text = await isBinary(file).then(
          (binary) => (binary ? undefined : readFile(file, 'utf8')),
          (err: unknown) => Promise.reject(unreadable(err, ctx.cwd, file)),
        );
        if (text === undefined) continue;
        scanned++;
        const rel = path.relative(ctx.cwd, file).split(path.sep).join('/');
        const lines = text.split(/\r?\n/);
        lines.forEach((text, i) => {
          for (const m of matchers) {
            if (!m.test(text)) continue;
            total++;
            if (matches.length < MAX_MATCHES_KEPT) {
              const shown = text.trim();
              matches.push({
                file: rel,
                line: i + 1,
                pattern: m.pattern,
                text: shown.length > MAX_LINE_SHOWN ? shown.slice(0, MAX_LINE_SHOWN) + ' …' : shown,
              });
            }
          }
        });
      }
    } catch (err) {
      throw unreadable(err, ctx.cwd);
    }
    if (total > 0) {
      const listed = matches
        .slice(0, 10)
        .map((m) => `${String(m.file)}:${String(m.line)} (${String(m.pattern)})`)
        .join(', ');
      throw new StepError(
        'FILES_PRESENT',
        `${total} forbidden match(es) under ${p.path}: ${listed}${total > 10 ? ', …' : ''}`,
        { data: { matches, total, files_scanned: scanned } },
      );
    }
    if (scanned === 0) {
      throw new StepError(
        'NOTHING_SCANNED',
        `no text file under ${p.path}${suffixes ? ` ending with ${suffixes.join(', ')}` : ''} was scanned: its absence check would prove nothing`,
        { hint: 'point path (and include) at the code to check', data: { files_scanned: 0 } },
      );
    }
    const outside = seen.outside.map((f) => path.relative(ctx.cwd, f).split(path.sep).join('/'));
    return {
      output: {
        files_scanned: scanned,
        matches: 0,
        ...(outside.length > 0 ? { links_not_followed: outside } : {}),
      },
      summary: `${scanned} file(s) under ${p.path} free of ${p.patterns.join(', ')}`,
    };
  },
  async preflight(p, ctx) {
    // Scanning every file of the machine is never what a procedure means (`migrations=/`).
    const root = path.resolve(ctx.cwd, p.path);
    return path.parse(root).root === root
      ? [{ message: `files.absent: ${root} is the filesystem root; name the folder to scan` }]
      : [];
  },
});

import fs from 'node:fs';
import path from 'node:path';

/**
 * Test hook: milliseconds to sleep between writing the temp file and renaming it over the target,
 * so the crash suite can SIGKILL a process inside the window. Unset (or not a positive number) in
 * normal use.
 */
export const CHECKPOINT_DELAY_ENV = 'RUNBOOK_TEST_CHECKPOINT_DELAY_MS';

function checkpointDelayMs(): number {
  const raw = process.env[CHECKPOINT_DELAY_ENV];
  const ms = raw ? Number(raw) : 0;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** Temp names are unique per process by pid and counter; a stale one (a dead process's) is skipped. */
let tempCounter = 0;

function tempPathFor(file: string): string {
  tempCounter += 1;
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.tmp-${process.pid}-${tempCounter.toString(16)}`,
  );
}

/** Errors of a platform (Windows) that cannot open or fsync a directory. */
const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EACCES']);

/** True when `err` says this platform cannot fsync a directory (see {@link fsyncDirSync}). */
const cannotSyncDirectory = (err: unknown): boolean =>
  NO_DIRECTORY_SYNC.has((err as NodeJS.ErrnoException).code ?? '');

/**
 * fsyncs a directory so a rename inside it is durable. Some platforms (Windows) cannot open or
 * fsync a directory; there the rename is as durable as the OS makes it and we carry on.
 */
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    if (!cannotSyncDirectory(err)) throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** How durable a write must be before it returns. */
export interface WriteOptions {
  /**
   * `true` (the default): fsynced file and directory, on disk before the call returns. `false`:
   * written and renamed into place (a killed process loses nothing, readers never see a partial
   * file) but not fsynced, so a power loss may keep the previous content; the next durable write
   * to the same directory makes it durable. For frequent progress that can be rebuilt.
   */
  durable?: boolean;
}

/**
 * Creates (exclusively) a temp file next to `file`, writes `content` (fsynced when `durable`) and
 * returns its path; on failure nothing is left behind.
 */
function writeTempSync(file: string, content: string | Uint8Array, durable: boolean): string {
  let temp = tempPathFor(file);
  let fd: number;
  for (;;) {
    try {
      fd = fs.openSync(temp, 'wx', 0o644);
      break;
    } catch (err) {
      // Left by a process that had this pid before and died between write and rename.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      temp = tempPathFor(file);
    }
  }
  try {
    fs.writeFileSync(fd, content);
    if (durable) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    removeQuietly(temp);
    throw err;
  }
  fs.closeSync(fd);
  return temp;
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // The temp file may never have been created; nothing to clean up then.
  }
}

/**
 * Writes `content` to `file` atomically and durably: a temp file in the same directory is
 * written and fsynced, renamed over the target, and the directory is fsynced. A crash at any
 * point leaves either the old file or the new one, never a partial file (a stray
 * `.<name>.tmp-*` file may remain). The parent directory must exist. `options.durable: false`
 * skips the fsyncs (see {@link WriteOptions}).
 */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const temp = writeTempSync(file, content, durable);
  try {
    const delay = checkpointDelayMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    fs.renameSync(temp, file);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
  if (durable) fsyncDirSync(path.dirname(file));
}

/**
 * Synchronous twin of {@link writeFileAtomic}, for callers that must persist inside a synchronous
 * callback (e.g. an XState subscription). Same guarantees; the test delay blocks the thread.
 */
export function writeFileAtomicSync(file: string, content: string | Uint8Array): void {
  const temp = writeTempSync(file, content, true);
  try {
    const delay = checkpointDelayMs();
    if (delay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    fs.renameSync(temp, file);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
  fsyncDirSync(path.dirname(file));
}

/**
 * Creates `file` (exclusively: it must not exist) and writes `content`, neither file nor directory
 * fsynced. For a directory no reader sees until it is renamed into place (a run directory being
 * built), where a temp file and a rename per file would be written for nothing: the caller makes
 * its files and directories durable at once ({@link syncConcurrently}) before the rename.
 */
export function writeNewFileSync(file: string, content: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * fsyncs existing `files` and `dirs` all at once (on the thread pool, so that their waits for the
 * disk overlap instead of adding up); resolves when every one is durable. A directory that cannot
 * be fsynced on this platform is passed over, as in {@link syncDirectory}.
 */
export async function syncConcurrently(
  files: readonly string[],
  dirs: readonly string[],
): Promise<void> {
  const sync = async (target: string, isDir: boolean): Promise<void> => {
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(target, 'r');
      await handle.sync();
    } catch (err) {
      if (!isDir || !cannotSyncDirectory(err)) throw err;
    } finally {
      await handle?.close();
    }
  };
  await Promise.all([...files.map((f) => sync(f, false)), ...dirs.map((d) => sync(d, true))]);
}

/** fsyncs an existing file (its content and size), e.g. one written earlier without an fsync. */
export function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncs a directory (exported for callers that create or remove entries, e.g. run dirs). */
export function syncDirectory(dir: string): void {
  fsyncDirSync(dir);
}

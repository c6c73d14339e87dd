import fs from 'node:fs';
import { InvalidInputError } from '../errors.js';

/**
 * Refuses (InvalidInputError, exit 2) a run file or folder that is a symbolic link: the run store
 * writes only the files of its own run directory, never through a link to somewhere else. A path
 * that does not exist yet passes.
 */
export function refuseSymlink(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (stat.isSymbolicLink()) {
    throw new InvalidInputError([
      {
        message: `${file} is a symbolic link; refusing to read or write a run file through it`,
        hint: 'replace the link with the run file itself',
      },
    ]);
  }
}

/**
 * Opens `file` for appending (created if missing) without following a symbolic link in its last
 * component (O_NOFOLLOW where the platform has it), after {@link refuseSymlink}.
 */
export function openForAppend(file: string): number {
  refuseSymlink(file);
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_APPEND | c.O_CREAT | (c.O_NOFOLLOW ?? 0);
  try {
    return fs.openSync(file, flags, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') refuseSymlink(file);
    throw err;
  }
}

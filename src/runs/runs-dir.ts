import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

/** What a command does with the runs directory: only reads runs, or also creates and writes them. */
export type RunsDirUse = 'read' | 'write';

function refuse(dir: string, message: string, hint: string): InvalidInputError {
  return new InvalidInputError([{ path: '--runs-dir', message: `${dir}: ${message}`, hint }]);
}

/** The closest existing path at or above `dir` (the filesystem root at worst). */
function nearestExisting(dir: string): string {
  let p = dir;
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}

/**
 * Checks a runs directory before a command relies on it, so a bad `--runs-dir` is refused (exit
 * 2) before anything executes: it must be a directory (or not exist yet); to write, creating a
 * directory inside it (or inside its nearest existing ancestor, where it would be created) must
 * work. The probe is one non-recursive `mkdtemp` removed at once: Node's recursive `mkdir` can
 * loop forever on a pseudo filesystem such as `/proc/self`.
 */
export function checkRunsDir(dir: string, use: RunsDirUse): void {
  const hint = 'give a writable directory, e.g. --runs-dir runs';
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw refuse(dir, 'is below a file, not a directory', hint);
    if (code !== 'ENOENT') throw refuse(dir, `cannot be read (${code})`, hint);
  }
  if (st && !st.isDirectory()) throw refuse(dir, 'is not a directory', hint);
  if (use === 'read') return;
  const base = st ? dir : nearestExisting(dir);
  if (!fs.statSync(base).isDirectory()) {
    throw refuse(dir, `cannot be created: ${base} is not a directory`, hint);
  }
  let probe: string;
  try {
    probe = fs.mkdtempSync(path.join(base, '.runbook-probe-'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw refuse(
      dir,
      st ? `is not writable (${code})` : `cannot be created in ${base} (${code})`,
      hint,
    );
  }
  fs.rmdirSync(probe);
}

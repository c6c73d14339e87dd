import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { runIdResolution } from './resolve-run-id.js';
import { parseRunRecord } from './run-record.js';
import { runIdTime } from './run-id.js';
import type { RunDirLayout } from './run-dir-layout.js';
import type { RunSummary } from './run-store.js';

/*
 * Finding runs in a runs directory: listing them newest first, and resolving what the operator
 * typed (an id, a prefix, `last`) to one of them. For FileRunStore.
 */

async function summarize(
  layout: RunDirLayout,
  id: string,
): Promise<{ summary: RunSummary; time: number }> {
  const file = layout.recordFile(id);
  let summary: RunSummary;
  let time: number;
  try {
    const record = parseRunRecord(await readFile(file, 'utf8'), file, id);
    summary = { id, status: record.status, record };
    time = Date.parse(record.startedAt);
  } catch (err) {
    const problem =
      err instanceof InvalidInputError
        ? err.message
        : (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${file} is missing`
          : `cannot read ${file}: ${String(err)}`;
    summary = { id, status: 'corrupt', problem };
    time = NaN;
  }
  if (Number.isNaN(time)) time = runIdTime(id)?.getTime() ?? NaN;
  if (Number.isNaN(time)) time = (await stat(path.join(layout.dir, id))).mtimeMs;
  return { summary, time };
}

/** All runs of the directory, newest first; unreadable ones listed as `corrupt`. */
export async function listRunDirs(layout: RunDirLayout): Promise<RunSummary[]> {
  const rows = await Promise.all((await layout.runIds()).map((id) => summarize(layout, id)));
  rows.sort((a, b) => b.time - a.time || b.summary.id.localeCompare(a.summary.id));
  return rows.map((r) => r.summary);
}

/** An exact id, a unique prefix, or `last` -> the full run id; InvalidInputError otherwise. */
export async function resolveRunDir(layout: RunDirLayout, idOrPrefix: string): Promise<string> {
  if (idOrPrefix === 'last') {
    const newest = (await listRunDirs(layout))[0];
    if (!newest) throw new InvalidInputError([{ message: `no runs in ${layout.dir}` }]);
    return newest.id;
  }
  return runIdResolution(idOrPrefix, await layout.runIds());
}

import { readWithChecksum } from './files.js';
import { invalidHistory } from './revision-graph.js';
import type { Migration } from './types.js';

/** One file of a linear history before it is chained: its version, file and sort key. */
export interface LinearEntry {
  revision: string;
  file: string;
  /** Sort key (numeric versions compare as numbers). */
  key: bigint | string;
  message?: string;
}

/**
 * Chains linear entries (sorted by key) into migrations, each the parent of the next. Duplicate
 * versions fail with both files named.
 */
export async function chainLinear(entries: LinearEntry[]): Promise<Migration[]> {
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: Migration[] = [];
  for (const [i, e] of sorted.entries()) {
    const prev = sorted[i - 1];
    if (prev && prev.key === e.key) {
      throw invalidHistory(`duplicate version ${e.revision} (also ${prev.file})`, e.file);
    }
    const { checksum } = await readWithChecksum(e.file);
    out.push({
      revision: e.revision,
      parents: prev ? [prev.revision] : [],
      branchLabels: [],
      dependsOn: [],
      ...(e.message ? { message: e.message } : {}),
      transactional: true,
      file: e.file,
      checksum,
    });
  }
  return out;
}

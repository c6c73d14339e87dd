import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** SHA-256 (hex) of bytes: the checksum recorded for every migration file. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a file and its checksum in one go. */
export async function readWithChecksum(file: string): Promise<{ text: string; checksum: string }> {
  const bytes = await readFile(file);
  return { text: bytes.toString('utf8'), checksum: sha256Hex(bytes) };
}

/**
 * Every file under `dir` (recursively, skipping dot-directories and `__pycache__`) whose name
 * passes `keep`, as absolute paths sorted by their path relative to `dir` — the declared order.
 */
export async function walkFiles(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === '__pycache__' || e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) await visit(full);
      else if (e.isFile() && keep(e.name)) out.push(full);
    }
  };
  await visit(dir);
  const rel = (f: string): string => path.relative(dir, f).split(path.sep).join('/');
  return out.sort((a, b) => (rel(a) < rel(b) ? -1 : rel(a) > rel(b) ? 1 : 0));
}

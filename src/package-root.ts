import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null | undefined;

/**
 * The directory of runbook's own `package.json`, found by walking up from this module, so it
 * holds whether the code runs from `src/`, `dist/` or the bundle under `dist/bin/`; null when no
 * ancestor is the `runbook` package. Files shipped beside the code (`python/`, `sql/`,
 * `procedures/`) are found under it.
 */
export function packageRoot(): string | null {
  if (root !== undefined) return root;
  root = null;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'runbook') return (root = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return root;
    dir = parent;
  }
}

/** A file or folder shipped with the package (`sql/run-store`…); throws when the package has none. */
export function packageFile(...segments: string[]): string {
  const base = packageRoot();
  const file = base === null ? null : path.join(base, ...segments);
  if (file === null || !existsSync(file))
    throw new Error(`${segments.join('/')} not found in the runbook package`);
  return file;
}

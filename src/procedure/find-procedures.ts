import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { nearestName } from './nearest-name.js';

/** Default procedures directory (relative to the working directory). */
export const DEFAULT_PROCEDURES_DIR = 'procedures';

/** The YAML files of a procedures directory, sorted. */
export async function listProcedureFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Resolves `<procedure>` as the CLI takes it: a name in the procedures directory
 * (`procedures/<name>.yaml` or `.yml`), or a path to a YAML file. Unknown names are an
 * {@link InvalidInputError} suggesting the nearest known procedure.
 */
export async function findProcedureFile(nameOrPath: string, dir: string): Promise<string> {
  if ((nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml')) && existsSync(nameOrPath))
    return nameOrPath;
  for (const ext of ['.yaml', '.yml']) {
    const candidate = path.join(dir, nameOrPath + ext);
    if (existsSync(candidate)) return candidate;
  }
  const known = (await listProcedureFiles(dir)).map((f) =>
    path.basename(f).replace(/\.ya?ml$/, ''),
  );
  const near = nearestName(nameOrPath, known);
  throw new InvalidInputError([
    {
      message: `unknown procedure "${nameOrPath}" (looked in ${dir}/)`,
      ...(near
        ? { hint: `did you mean ${near}?` }
        : known.length
          ? { hint: `known: ${known.join(', ')}` }
          : {}),
    },
  ]);
}

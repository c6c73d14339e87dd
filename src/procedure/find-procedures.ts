import { packageRoot } from '../package-root.js';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { nearestName } from './nearest-name.js';

/** Default procedures directory (relative to the working directory). */
export const DEFAULT_PROCEDURES_DIR = 'procedures';

/** Where a procedure came from: the project's procedures directory or the installed package. */
export type ProcedureOrigin = 'project' | 'built-in';

/** A procedure file found by name, with where it came from. */
export interface FoundProcedure {
  /** The name (file name without `.yaml` / `.yml`). */
  name: string;
  file: string;
  origin: ProcedureOrigin;
}

/** The YAML files of a procedures directory, sorted (none when it does not exist). */
export async function listProcedureFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * The `procedures/` folder shipped in the runbook package: found by walking up from this module
 * to the `package.json` named `runbook` (so it holds whether the code runs from `src/`, `dist/`
 * or a bundle). Null when the package ships none.
 */
export function builtinProceduresDir(): string | null {
  const root = packageRoot();
  const procedures = root === null ? null : path.join(root, DEFAULT_PROCEDURES_DIR);
  return procedures !== null && existsSync(procedures) ? procedures : null;
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** A name given as a YAML file's path rather than a procedure's name. */
const isYamlPath = (nameOrPath: string): boolean => /\.ya?ml$/.test(nameOrPath);

const baseName = (file: string): string => path.basename(file).replace(/\.ya?ml$/, '');

/**
 * Every procedure visible from a project: those in `dir` first, then the built-in ones the
 * project does not define itself (a project file shadows the built-in of the same name). When
 * `dir` is the package's own folder (runbook's checkout), its procedures count as the project's.
 */
export async function listProcedures(dir: string): Promise<FoundProcedure[]> {
  const own = (await listProcedureFiles(dir)).map((file): FoundProcedure => ({
    name: baseName(file),
    file,
    origin: 'project',
  }));
  const shipped = builtinProceduresDir();
  if (!shipped || sameDir(shipped, dir)) return own;
  const taken = new Set(own.map((p) => p.name));
  const extra = (await listProcedureFiles(shipped))
    .map((file): FoundProcedure => ({ name: baseName(file), file, origin: 'built-in' }))
    .filter((p) => !taken.has(p.name));
  return [...own, ...extra];
}

/**
 * Refuses a procedures directory that was named explicitly (flag or config) but is not a
 * directory: an {@link InvalidInputError} naming where it was given.
 */
export function checkProceduresDir(dir: string, givenBy: string): void {
  const isDir = existsSync(dir) && statSync(dir).isDirectory();
  if (!isDir) {
    throw new InvalidInputError([
      {
        path: givenBy,
        message: `procedures directory ${dir} ${existsSync(dir) ? 'is not a directory' : 'does not exist'}`,
        hint: 'create it (`runbook init`) or point at an existing folder',
      },
    ]);
  }
}

/**
 * Resolves `<procedure>` as the CLI takes it: a path to a YAML file, else a name in the project's
 * procedures directory (`<dir>/<name>.yaml` or `.yml`), else a built-in procedure of the package.
 * Unknown names are an {@link InvalidInputError} suggesting the nearest known procedure.
 */
export async function resolveProcedure(nameOrPath: string, dir: string): Promise<FoundProcedure> {
  if (isYamlPath(nameOrPath) && existsSync(nameOrPath))
    return { name: baseName(nameOrPath), file: nameOrPath, origin: 'project' };
  const known = await listProcedures(dir);
  const found = known.find((p) => p.name === nameOrPath);
  if (found) return found;
  const names = known.map((p) => p.name);
  const near = nearestName(nameOrPath, names);
  const shipped = builtinProceduresDir();
  const where = shipped && !sameDir(shipped, dir) ? `${dir}/ and the built-in ones` : `${dir}/`;
  throw new InvalidInputError([
    {
      message: `unknown procedure "${nameOrPath}" (looked in ${where})`,
      ...(near
        ? { hint: `did you mean ${near}?` }
        : names.length
          ? { hint: `known: ${names.join(', ')}` }
          : {}),
    },
  ]);
}

/**
 * Whether {@link resolveProcedure} would find `nameOrPath` in `dir` or among the built-in
 * procedures, answered from the file names alone (no directory listing, nothing parsed).
 */
export function procedureFileExists(nameOrPath: string, dir: string): boolean {
  if (isYamlPath(nameOrPath)) return existsSync(nameOrPath);
  const shipped = builtinProceduresDir();
  return [dir, ...(shipped ? [shipped] : [])].some((d) =>
    ['.yaml', '.yml'].some((ext) => existsSync(path.join(d, `${nameOrPath}${ext}`))),
  );
}

/** {@link resolveProcedure}, returning only the file. */
export async function findProcedureFile(nameOrPath: string, dir: string): Promise<string> {
  return (await resolveProcedure(nameOrPath, dir)).file;
}

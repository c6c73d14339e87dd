/**
 * How the bundled CLI (scripts/bundle-cli.mjs) loads a verb: the verbs are compiled into CommonJS
 * bundles beside dist/bin/main.cjs, and one is run through `vm.Script` with a V8 code cache, so a
 * command that ran once before starts from compiled code instead of parsing and compiling a few
 * megabytes of JavaScript again (Node 20 has no compile cache for ES modules). Only the bundle
 * build uses this module: it stands in for each `import('./verbs/<name>.js')` of the verb table.
 * docs/design.md "The CLI bundle" has the contract.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { VerbContext, VerbDataCache, VerbModule } from './verb.js';

/** Verb name → the file name of the bundle holding it (dist/bin/), set by the bundle build. */
declare const BUNDLED_VERB_FILES: Readonly<Record<string, string>>;

/** What a verb bundle exports: each verb's module, loaded on first use, and its error reporter. */
interface VerbBundle {
  verbs: Readonly<Record<string, () => Promise<VerbModule>>>;
  reportError(err: unknown, json: boolean): number;
}

/** The environment variable that moves (`<absolute dir>`) or turns off (`off`) the code cache. */
export const COMPILE_CACHE_VARIABLE = 'RUNBOOK_COMPILE_CACHE';

/**
 * The setting as the process was started with it, read before `.env` is: a cache is code the
 * process runs, and a checkout's `.env` must not choose where it comes from. The CLI calls this
 * before it loads `.env` (main.ts).
 */
export function captureCacheSetting(): void {
  cacheSetting ??= { value: process.env[COMPILE_CACHE_VARIABLE] };
}

let cacheSetting: { value: string | undefined } | undefined;
const bundles = new Map<string, VerbBundle>();

/**
 * The directory code caches are kept in: `RUNBOOK_COMPILE_CACHE` when it is an absolute path
 * (`off`, or a relative path: none), else `.cache/` beside the bundles.
 */
function cacheDirectory(here: string): string | undefined {
  captureCacheSetting();
  const setting = cacheSetting?.value;
  if (setting === undefined || setting === '') return path.join(here, '.cache');
  return path.isAbsolute(setting) ? setting : undefined;
}

/**
 * True for a file or directory only this user (or root) may change: owned by either, writable by
 * neither group nor others. Only such a cache is run.
 */
function ownedPrivately(stats: Stats): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true; // no POSIX owners (Windows)
  return (stats.uid === uid || stats.uid === 0) && (stats.mode & 0o022) === 0;
}

/**
 * Whether `dir` may hold caches: `private` ({@link ownedPrivately}), `absent` (it is created so, or
 * cannot be, which costs only the cache) or `foreign` (another user's, or writable by group or
 * others: neither read nor written).
 */
function directoryState(dir: string): 'private' | 'absent' | 'foreign' {
  try {
    return ownedPrivately(statSync(dir)) ? 'private' : 'foreign';
  } catch {
    return 'absent';
  }
}

let warned = false;

/** Says once, on stderr, why the directory the user named holds no cache. */
function warnUnusable(dir: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    `runbook: ${COMPILE_CACHE_VARIABLE}=${dir} is not used: it must belong to this user and be ` +
      'writable by neither group nor others (compiled code is read from it)\n',
  );
}

/** The cache in `file` when the file is {@link ownedPrivately} (its directory checked before). */
function readCache(file: string): Buffer | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      return ownedPrivately(fstatSync(fd)) ? readFileSync(fd) : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to `file` whole (a new temp file of this user's alone, renamed over it); a failure
 * only costs the cache.
 */
function writeCache(file: string, data: Buffer): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Named by this process (created exclusively): node:crypto stays unloaded for `--help`.
    const temp = `${file}.${process.pid}-${Date.now().toString(36)}.tmp`;
    writeFileSync(temp, data, { flag: 'wx', mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // An unwritable directory: the next command compiles again.
  }
}

/** The directory holding the bundles (and this code, bundled into main.cjs beside them). */
const bundleDirectory = (): string => path.dirname(fileURLToPath(import.meta.url));

/** What identifies a copy of a bundle in its caches' names: its size and modification time. */
const stampOf = ({ size, mtimeMs }: Stats): string => `${size}-${Math.trunc(mtimeMs)}`;

/** The bundle's text and what identifies this copy of it ({@link stampOf}). */
function readBundle(filename: string): { source: string; stamp: string } {
  const fd = openSync(filename, 'r');
  try {
    const stamp = stampOf(fstatSync(fd));
    // The build keeps the bundles ASCII (it escapes the rest): latin1 decodes without checks.
    return { source: readFileSync(fd, 'latin1'), stamp };
  } finally {
    closeSync(fd);
  }
}

/**
 * The directory this process reads and writes caches in: {@link cacheDirectory} when it is
 * private or does not exist yet; undefined when off, or when it is foreign (named once on stderr
 * when the user chose it).
 */
function usableCacheDirectory(here: string): string | undefined {
  const chosen = cacheDirectory(here);
  const state = chosen === undefined ? undefined : directoryState(chosen);
  if (chosen !== undefined && state === 'foreign' && cacheSetting?.value) warnUnusable(chosen);
  return state === 'private' || state === 'absent' ? chosen : undefined;
}

/**
 * Loads (once per process) the CommonJS bundle `file` of dist/bin/ for verb `verb`, from the
 * verb's code cache when V8 accepts it. Without one (the first run, a new Node, a rebuilt or
 * edited bundle), the cache is written as the process ends after the verb succeeded, holding
 * every function the verb compiled, so the next run of that verb skips their compilation too.
 */
function loadBundle(file: string, verb: string): VerbBundle {
  const known = bundles.get(file);
  if (known) return known;
  const here = bundleDirectory();
  const filename = path.join(here, file);
  const { source, stamp } = readBundle(filename);
  const dir = usableCacheDirectory(here);
  // V8 checks its version, its flags and the source's length; the name checks the rest.
  const cacheFile =
    dir && path.join(dir, `${file}.${verb}.${stamp}.${process.version}-${process.arch}`);
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as VerbBundle };
  run(module.exports, createRequire(filename), module, filename, here);
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected === true)) {
    process.once('beforeExit', () => {
      if ((process.exitCode ?? 0) === 0) writeCache(cacheFile, script.createCachedData());
    });
  }
  bundles.set(file, module.exports);
  if (dir) cachePlaces.set(file, { dir, stamp });
  return module.exports;
}

/**
 * Where each loaded bundle's caches are kept: the directory {@link loadBundle} chose and the
 * bundle's size and modification time, as its code caches are named by.
 */
const cachePlaces = new Map<string, { dir: string; stamp: string }>();

/**
 * Where bundle `file`'s caches are kept: as {@link loadBundle} chose once it loaded it, else as it
 * would choose (the directory, and the bundle's size and modification time read from the file
 * system) without loading it; undefined when caches are off or the bundle cannot be read.
 */
function cachePlace(file: string): { dir: string; stamp: string } | undefined {
  const known = cachePlaces.get(file);
  if (known) return known;
  const here = bundleDirectory();
  const dir = usableCacheDirectory(here);
  if (dir === undefined) return undefined;
  try {
    return { dir, stamp: stampOf(statSync(path.join(here, file))) };
  } catch {
    return undefined;
  }
}

/**
 * The verb's data cache ({@link VerbDataCache}): files beside its code cache, named by the bundle
 * (its content hash, size and modification time) and the verb, so that another build never reads
 * what this one wrote; read only when private, as code caches are.
 */
function dataCache(file: string, verb: string): VerbDataCache | undefined {
  const place = cachePlace(file);
  if (place === undefined) return undefined;
  const { dir, stamp } = place;
  const named = (name: string) => path.join(dir, `${file}.${verb}.${stamp}.${name}.json`);
  return {
    read: (name) => readCache(named(name))?.toString('utf8'),
    write: (name, text) => writeCache(named(name), Buffer.from(text, 'utf8')),
  };
}

/**
 * Verb `name` of the bundled CLI: `run` loads its bundle and module on first call;
 * `reportError` is that bundle's own (its errors are instances of its own classes).
 */
export function bundledVerb(name: string): Required<VerbModule> {
  const file = BUNDLED_VERB_FILES[name];
  if (file === undefined) throw new Error(`verb ${name} is in no bundle`);
  return {
    run: async (args: string[], o: never, ctx: VerbContext) => {
      const load = loadBundle(file, name).verbs[name];
      if (!load) throw new Error(`verb ${name} is missing from ${file}`);
      const cache = dataCache(file, name);
      return (await load()).run(args, o, cache ? { ...ctx, cache } : ctx);
    },
    reportError: (err: unknown, json: boolean) => loadBundle(file, name).reportError(err, json),
    dataCache: () => dataCache(file, name),
  };
}

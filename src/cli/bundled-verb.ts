/**
 * How the bundled CLI (scripts/bundle-cli.mjs) loads a verb: the verbs are compiled into CommonJS
 * bundles beside dist/bin/main.js, and one is run through `vm.Script` with a V8 code cache, so a
 * command that ran once before starts from compiled code instead of parsing and compiling a few
 * megabytes of JavaScript again (Node 20 has no compile cache for ES modules). Only the bundle
 * build uses this module: it stands in for each `import('./verbs/<name>.js')` of the verb table.
 * docs/design.md "The CLI bundle" has the contract.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { VerbContext, VerbModule } from './verb.js';

/** Verb name → the file name of the bundle holding it (dist/bin/), set by the bundle build. */
declare const BUNDLED_VERB_FILES: Readonly<Record<string, string>>;

/** What a verb bundle exports: each verb's module, loaded on first use, and its error reporter. */
interface VerbBundle {
  verbs: Readonly<Record<string, () => Promise<VerbModule>>>;
  reportError(err: unknown, json: boolean): number;
}

/** The environment variable that moves (`<dir>`) or turns off (`off`) the code cache. */
export const COMPILE_CACHE_VARIABLE = 'RUNBOOK_COMPILE_CACHE';

const bundles = new Map<string, VerbBundle>();

/**
 * The directory code caches are kept in: `RUNBOOK_COMPILE_CACHE` when set (`off`: none), else
 * `.cache/` beside the bundles, which belongs to whoever installed the package. A cache is code
 * the process runs, so it is read only from a directory the user chose or the package's own.
 */
function cacheDirectory(here: string): string | undefined {
  const setting = process.env[COMPILE_CACHE_VARIABLE];
  if (setting === 'off') return undefined;
  return setting ? path.resolve(setting) : path.join(here, '.cache');
}

/** Writes `data` to `file` whole (a temp file renamed over it); a failure only costs the cache. */
function writeCache(file: string, data: Buffer): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch {
    // An unwritable directory: the next command compiles again.
  }
}

/**
 * Loads (once per process) the CommonJS bundle `file` of dist/bin/ for verb `verb`, from the
 * verb's code cache when V8 accepts it. Without one (the first run, a new Node or a rebuilt
 * bundle), the cache is written as the process ends after the verb succeeded, holding every
 * function the verb compiled, so the next run of that verb skips their compilation too.
 */
function loadBundle(file: string, verb: string): VerbBundle {
  const known = bundles.get(file);
  if (known) return known;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const filename = path.join(here, file);
  const dir = cacheDirectory(here);
  // The bundle's name carries its content hash; V8 checks its own version and flags.
  const cacheFile = dir && path.join(dir, `${file}.${verb}.${process.version}-${process.arch}`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The build keeps the bundles ASCII (esbuild escapes the rest): latin1 decodes without checks.
  const source = readFileSync(filename, 'latin1');
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
  return module.exports;
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
      return (await load()).run(args, o, ctx);
    },
    reportError: (err: unknown, json: boolean) => loadBundle(file, name).reportError(err, json),
  };
}

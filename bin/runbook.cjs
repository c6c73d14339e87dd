#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bin/ by `npm run build` (run by `prepare` on `npm ci`).
// CommonJS, as is dist/bin/main.cjs: Node then starts without its ES module loader.
// A reader that stops early (`runbook list | head`) closes the pipe: end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}
require('../dist/bin/main.cjs')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });

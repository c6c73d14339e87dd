#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bin/ by `npm run build` (run by `prepare` on `npm ci`).
// A reader that stops early (`runbook list | head`) closes the pipe: end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}
import('../dist/bin/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });

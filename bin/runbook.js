#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bin/ by `npm run build` (run by `prepare` on `npm ci`).
import('../dist/bin/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });

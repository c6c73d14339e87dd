// A project that depends on runbook, laid out as `npm install` leaves it: the package under
// node_modules/runbook (here a link to this checkout, as `npm install <folder>` makes it) and its
// bin linked as node_modules/.bin/runbook. The CLI rows run the command a user's CI runs.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.mjs';

/**
 * Creates (once) the consumer project in `dir` and returns { dir, bin }: `bin` is its
 * node_modules/.bin/runbook, the path `npm install` links to the package's `bin` entry.
 */
export function consumerProject(dir) {
  const bin = path.join(dir, 'node_modules', '.bin', 'runbook');
  if (!existsSync(bin)) {
    mkdirSync(path.dirname(bin), { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify(
        {
          name: 'runbook-bench-consumer',
          private: true,
          dependencies: { runbook: `file:${ROOT}` },
        },
        null,
        2,
      ) + '\n',
    );
    symlinkSync(ROOT, path.join(dir, 'node_modules', 'runbook'), 'dir');
    symlinkSync(path.join('..', 'runbook', 'bin', 'runbook.cjs'), bin);
  }
  return { dir, bin };
}

// The dbmate peer of row 1: the same history converted on the fly to dbmate's layout and applied
// by the real dbmate binary (npm dev dependency `dbmate`), each run checked before it counts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './server.mjs';

/** The dbmate binary the npm package installs, or undefined when it is not installed. */
export function dbmateBinary() {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'dbmate');
  return existsSync(bin) ? bin : undefined;
}

/**
 * Writes `migrations` (in upgrade order) as dbmate files under `dir`: `<0000>_<name>.sql` holding
 * `-- migrate:up` (with `transaction:false` for a non-transactional one), the file, and an empty
 * `-- migrate:down`. The index keeps dbmate's file-name order equal to the upgrade order.
 */
export function writeDbmateHistory(migrations, dir) {
  mkdirSync(dir, { recursive: true });
  migrations.forEach((m, i) => {
    const name = path.basename(m.file, '.sql').replace(/[^A-Za-z0-9_]/g, '_');
    const up = m.transactional ? '-- migrate:up' : '-- migrate:up transaction:false';
    const body = readFileSync(m.file, 'utf8');
    writeFileSync(
      path.join(dir, `${String(i).padStart(4, '0')}_${name}.sql`),
      `${up}\n${body}\n-- migrate:down\n`,
    );
  });
}

/** Applies the dbmate history in `dir` to `url` with dbmate; returns the elapsed milliseconds. */
export function dbmateUp(bin, url, dir) {
  const target = url.includes('?') ? `${url}&sslmode=disable` : `${url}?sslmode=disable`;
  const start = performance.now();
  const r = spawnSync(bin, ['--url', target, '--migrations-dir', dir, '--no-dump-schema', 'up'], {
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`dbmate exited ${r.status}: ${(r.stderr ?? '').slice(-800)}`);
  return ms;
}

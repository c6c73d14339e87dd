import fs from 'node:fs';
import path from 'node:path';
import type { LockInfo } from './run-store.js';

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on every Linux ABI). */
const USER_HZ = 100;

/** Slack for the start time read from /proc (whole-second boot time, tick rounding). */
const START_SLACK_MS = 1000;

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** When process `pid` started (ms since the epoch), from /proc; undefined where /proc is absent. */
function processStartMs(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  const boot = /^btime\s+(\d+)$/m.exec(readProc('/proc/stat') ?? '');
  if (!stat || !boot) return undefined;
  // Fields after the command name (which may hold spaces or parentheses): field 3 onwards.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[22 - 3]);
  if (!Number.isFinite(ticks)) return undefined;
  return (Number(boot[1]) + ticks / USER_HZ) * 1000;
}

/**
 * Whether a live process `pid` on this host is still the holder of `holder`'s run lock rather than
 * another process that reused its pid. Read from /proc (Linux): it is the holder when it started
 * before the lock was taken (a pid is reused only after its process died, hence after `since`), or
 * when its command line runs runbook (an argument named `runbook`, `runbook.js` or `runbook.cjs`)
 * or names the run.
 * Undefined where /proc cannot tell (another OS, or the process vanished meanwhile).
 */
export function isLiveHolder(holder: LockInfo, runId: string): boolean | undefined {
  const cmdline = readProc(`/proc/${holder.pid}/cmdline`);
  const started = processStartMs(holder.pid);
  if (cmdline === undefined || started === undefined) return undefined;
  const since = Date.parse(holder.since);
  if (Number.isFinite(since) && started <= since + START_SLACK_MS) return true;
  return cmdline
    .split('\0')
    .some((arg) => /^runbook(\.c?js)?$/.test(path.basename(arg)) || arg === runId);
}

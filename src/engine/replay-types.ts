import type { EventLogEntry } from '../runs/event-hash.js';
import type { Procedure } from '../procedure/types.js';

/** What a successful replay established. */
export interface ReplayReport {
  runId: string;
  procedure: string;
  /** Lines verified in the hash chain. */
  lines: number;
  /** SHA-256 of the last line: what `run` and `resume` printed as the log's head when they ended. */
  head: string;
  /**
   * The line the anchor given ({@link ReplayOptions.anchor}) names: the log passes through it.
   * Absent when no anchor was given.
   */
  anchoredAt?: number;
  /** State values the re-driven machine went through, each matching the log. */
  transitions: number;
  /** Final status per the log and per the re-driven machine (they agree). */
  status: 'succeeded' | 'stopped' | 'running';
  entries: EventLogEntry[];
  /**
   * Set while a live process on this host drives the run (it holds the run's lock): only the log
   * was verified, up to its last complete line; run.json and snapshot.json, which may be a write
   * ahead of it, were not checked against it.
   */
  inProgress?: { pid: number; since: string; command: string };
}

/** How {@link ReplayReport} is checked beyond the log's own chain. */
export interface ReplayOptions {
  /**
   * A log head printed when the run was driven (`run`/`resume`'s last line, their JSON `log.head`),
   * kept apart from the run: the log must pass through it, else the replay fails as tampered. The
   * chain alone cannot tell a log rewritten whole with its hashes recomputed.
   */
  anchor?: string;
}

/** One state the re-driven machine went through, with the snapshot it would persist there. */
export interface ReplayedState {
  value: string;
  persisted: unknown;
}

/** What re-driving the machine with a verified log's events established. */
export interface ReplayedRun {
  procedure: Procedure;
  transitions: number;
  status: ReplayReport['status'];
  /** Every state the machine went through, in order. */
  history: ReplayedState[];
  /**
   * Index into `history` of the state the log's last `transition` line recorded (0 when it has
   * none): a checkpoint written since then is one of `history.slice(lastLogged)`.
   */
  lastLogged: number;
}

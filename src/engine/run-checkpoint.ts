import type { JsonValue } from '../json.js';
import type { RunStore, SnapshotFile } from '../runs/run-store.js';
import type { StepRunEnvironment } from './step-executor.js';
import { XSTATE_VERSION } from './xstate-version.js';

/**
 * Runs the run's file writes one after another. The first write that fails (a full disk) stops
 * the queue: nothing queued after it is written, so the log never records a transition whose
 * cause (a step that could not start because its checkpoint failed) it lacks.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  /** Queues `fn`; the promise settles when it has run (or rejects with the queue's failure). */
  run(fn: () => Promise<unknown>): Promise<void> {
    const next = this.tail.then(() => {
      if (this.failure) throw this.failure;
      return fn();
    });
    this.tail = next.catch((err: unknown) => {
      this.failure ??= err;
    });
    return next.then(() => undefined);
  }
  /** Queues `fn` without a promise to observe: its failure surfaces from {@link idle}. */
  post(fn: () => Promise<unknown>): void {
    this.run(fn).catch(() => undefined);
  }
  /** Waits for everything queued; throws the first failure. */
  async idle(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }
}

/**
 * A run's checkpoint (snapshot.json) as it is driven: the machine's persisted snapshot and each
 * step's progress, written through the run's one {@link SerialQueue} with the procedure's hash and
 * the xstate version.
 */
export class RunCheckpoint {
  /** The queue every write of the run's files goes through, in order. */
  readonly queue = new SerialQueue();
  private machine: JsonValue | undefined;
  private readonly progress: Record<string, JsonValue>;
  // Bumped whenever the content (the persisted machine or a step's progress) changes; `written`
  // is its value as of the last snapshot written, so a barrier that finds the stored checkpoint
  // current makes it durable instead of writing it a second time.
  private changes = 0;
  private written = -1;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly procedureHash: string,
    restored: SnapshotFile | undefined,
  ) {
    this.machine = restored?.snapshot;
    this.progress = { ...(restored?.progress ?? {}) };
  }

  /** The machine's persisted snapshot as last seen. */
  get persisted(): JsonValue | undefined {
    return this.machine;
  }

  set persisted(value: JsonValue | undefined) {
    this.machine = value;
    this.changes += 1;
  }

  private async save(options?: { durable?: boolean }): Promise<void> {
    const at = this.changes;
    const file: SnapshotFile = {
      format: 1,
      procedureHash: this.procedureHash,
      xstateVersion: XSTATE_VERSION,
      savedAt: new Date().toISOString(),
      snapshot: this.machine ?? null,
      progress: { ...this.progress },
    };
    await this.store.writeSnapshot(this.runId, file, options);
    this.written = at;
  }

  /** Queues a write of the checkpoint as it stands; `durable` fsyncs it. */
  write(options?: { durable?: boolean }): Promise<void> {
    return this.queue.run(() => this.save(options));
  }

  /** A barrier: the checkpoint as it stands, stored durably (written again only if not current). */
  durable(): Promise<void> {
    return this.queue.run(() =>
      this.written === this.changes
        ? this.store.syncSnapshot(this.runId)
        : this.save({ durable: true }),
    );
  }

  /**
   * The run's last checkpoint: a barrier when the run stopped (it will be resumed from it);
   * written only if not current, and not fsynced, when it finished (its durable record and log
   * line say so, and it is never resumed).
   */
  finish(done: boolean): Promise<void> {
    if (!done) return this.durable();
    return this.written === this.changes ? this.queue.idle() : this.write({ durable: false });
  }

  /** Steps' checkpointed progress, as a step reads and writes it. */
  stepProgress(): StepRunEnvironment['progress'] {
    return {
      read: (step) => this.progress[step],
      write: async (step, data, options) => {
        this.progress[step] = data;
        this.changes += 1;
        await this.write(options);
        await this.queue.idle();
      },
    };
  }
}

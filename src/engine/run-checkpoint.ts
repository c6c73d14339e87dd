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
  /** The machine's persisted snapshot as last seen. */
  persisted: JsonValue | undefined;
  private readonly progress: Record<string, JsonValue>;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly procedureHash: string,
    restored: SnapshotFile | undefined,
  ) {
    this.persisted = restored?.snapshot;
    this.progress = { ...(restored?.progress ?? {}) };
  }

  /** Queues a write of the checkpoint as it stands; `durable` fsyncs it. */
  write(options?: { durable?: boolean }): Promise<void> {
    return this.queue.run(() => {
      const file: SnapshotFile = {
        format: 1,
        procedureHash: this.procedureHash,
        xstateVersion: XSTATE_VERSION,
        savedAt: new Date().toISOString(),
        snapshot: this.persisted ?? null,
        progress: { ...this.progress },
      };
      return this.store.writeSnapshot(this.runId, file, options);
    });
  }

  /** Steps' checkpointed progress, as a step reads and writes it. */
  stepProgress(): StepRunEnvironment['progress'] {
    return {
      read: (step) => this.progress[step],
      write: async (step, data, options) => {
        this.progress[step] = data;
        await this.write(options);
        await this.queue.idle();
      },
    };
  }
}

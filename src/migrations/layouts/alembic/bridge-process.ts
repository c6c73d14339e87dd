import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { lazyBuiltin } from '../../../lazy-builtin.js';
import type * as Readline from 'node:readline';
import { StepError } from '../../../errors.js';
import { redactUrl } from '../../../postgres/redact.js';
import type { JsonObject } from '../../../json.js';
import { spawnBridge } from './bridge-python.js';

/** How much of the bridge's stderr is shown (its end: Python's traceback comes last). */
const STDERR_TAIL = 4000;
/** How much of it is kept to be masked before that cut (see {@link BridgeProcess.stderrTail}). */
const STDERR_KEPT = 64 * 1024;

/**
 * The last `size` characters of `text`, from the first line that starts in their first quarter
 * (a cut inside a secret would keep a part of it no mask recognises), else cut where they start.
 */
function tailFromLine(text: string, size: number): string {
  if (text.length <= size) return text;
  const tail = text.slice(-size);
  const newline = tail.indexOf('\n');
  return newline >= 0 && newline < size / 4 ? tail.slice(newline + 1) : tail;
}

/** Loaded on first use: a run that never reaches it does not load it. */
const readline = lazyBuiltin<typeof Readline>('node:readline');

/** How long a bridge that only listed revisions waits, idle, for a run's upgrade to take it. */
const PARK_MS = 30_000;

/** One running bridge process (see python/alembic_bridge.py for the protocol). */
export class BridgeProcess {
  private readonly lines: AsyncIterator<string>;
  /** The end of its stderr as written, up to {@link STDERR_KEPT}. */
  private stderrKept = '';
  /**
   * The end of its stderr as shown: passwords masked (URLs, libpq keywords, SQL literals) before
   * it is cut to {@link STDERR_TAIL}, so that the cut cannot keep half of one.
   */
  get stderrTail(): string {
    return tailFromLine(redactUrl(this.stderrKept), STDERR_TAIL);
  }
  /** Set by a `list` answer that left the process as a fresh one would be. */
  clean = false;
  /** Set once an upgrade was sent: the process belongs to that run from then on. */
  upgraded = false;
  private parkTimer: NodeJS.Timeout | undefined;
  private readonly exited: Promise<void>;
  private spawnError: Error | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly key: string,
  ) {
    this.lines = readline().createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => {
      this.stderrKept = tailFromLine(this.stderrKept + d.toString('utf8'), STDERR_KEPT);
    });
    // A process that died (or never started) must not turn a write into an unhandled error.
    child.stdin.on('error', () => undefined);
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        this.spawnError = err;
        resolve();
      });
      child.once('exit', () => resolve());
    });
  }

  /** True while the process runs (started, not exited). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && !this.spawnError;
  }

  /**
   * Starts the bridge with `python` and waits for its hello: the process, or why this Python
   * cannot run it (it cannot be started, or cannot import alembic and psycopg2: its stderr).
   */
  static async spawn(
    python: string,
    ini: string,
    childEnv: Record<string, string>,
    key: string,
  ): Promise<{ process: BridgeProcess } | { failed: string }> {
    return BridgeProcess.adopt(spawnBridge(python, ini, childEnv), python, key);
  }

  /**
   * Waits for the hello of a bridge already started with `python` (spawned by {@link spawn}, or
   * ahead of need: bridge-prestart.ts), as {@link spawn} does. The child must not have exited or
   * failed to spawn before this call: its end is watched from here on.
   */
  static async adopt(
    child: ChildProcessWithoutNullStreams,
    python: string,
    key: string,
  ): Promise<{ process: BridgeProcess } | { failed: string }> {
    const p = new BridgeProcess(child, key);
    const hello = await p.lines.next();
    if (!hello.done) {
      try {
        const h = JSON.parse(hello.value) as JsonObject;
        if (h.ready === true) return { process: p };
      } catch {
        // not a hello: treated as a Python that cannot run the bridge
      }
    }
    p.kill();
    await p.exited;
    const why = p.spawnError ? `${python}: ${p.spawnError.message}` : p.stderrTail.trim();
    return { failed: why || `${python} cannot import alembic and psycopg2` };
  }

  /**
   * Sends one command and waits for its answer; lines with an `event` key before it go to
   * `onEvent`, one at a time, in order (the bridge goes on working meanwhile).
   */
  async request(
    command: JsonObject,
    onEvent?: (event: JsonObject) => Promise<void>,
  ): Promise<JsonObject> {
    if (command.cmd === 'upgrade') this.upgraded = true;
    this.child.stdin.write(JSON.stringify(command) + '\n');
    for (;;) {
      const next = await this.lines.next();
      if (next.done) {
        throw new StepError('ALEMBIC_BRIDGE', 'the Alembic bridge exited unexpectedly', {
          detail: this.stderrTail.trim(),
        });
      }
      const line = JSON.parse(next.value) as JsonObject;
      if (line.event === undefined) return line;
      if (!onEvent) throw new StepError('ALEMBIC_BRIDGE', `unexpected bridge line ${next.value}`);
      await onEvent(line);
    }
  }

  /** Sends a command that has no answer (`stop`). */
  send(command: JsonObject): void {
    if (this.alive) this.child.stdin.write(JSON.stringify(command) + '\n');
  }

  /** Idle: it keeps neither the event loop nor the process alive, and quits after PARK_MS. */
  park(onExpire: () => void): void {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as Socket).unref();
    }
    this.parkTimer = setTimeout(onExpire, PARK_MS);
    this.parkTimer.unref();
  }

  /** Back in use: it keeps the event loop alive again and no longer quits on its own. */
  unpark(): void {
    clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as Socket).ref();
    }
  }

  /** Asks it to quit and waits until it has (it exits without the interpreter's teardown). */
  async quit(): Promise<void> {
    clearTimeout(this.parkTimer);
    if (this.alive) this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    await this.exited;
  }

  /** Ends the process at once (SIGTERM). */
  kill(): void {
    if (this.alive) this.child.kill();
  }
}

import { createActor, fromPromise, type AnyActorLogic, type Snapshot } from 'xstate';
import { TamperedLogError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import {
  compileProcedure,
  type OperatorEvent,
  type ProcedureContext,
} from '../procedure/compile-procedure.js';
import type { Procedure } from '../procedure/types.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { indexSteps, stateKey } from './drive-run.js';
import { createProcedureMachine } from './procedure-machine.js';
import type { ReplayedRun, ReplayedState } from './replay-types.js';

type Pending = { resolve: (v: JsonObject) => void; reject: (e: unknown) => void };

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The compiled machine with stub actors that settle when the replay feeds them an outcome. */
function machineFor(procedure: Procedure, pending: Map<string, Pending>) {
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of indexSteps(procedure).values()) {
    actors[step.do] ??= fromPromise<JsonObject, { step: string }>(
      ({ input }) =>
        new Promise<JsonObject>((resolve, reject) => pending.set(input.step, { resolve, reject })),
    );
  }
  return createProcedureMachine(compileProcedure(procedure), actors);
}

/**
 * A procedure's machine re-driven by a log's lines, one at a time: recorded outcomes settle the
 * stub actors, operator events are sent, a resume restores the snapshot it names, and every
 * logged state value and final line must be what the machine reaches (else
 * {@link TamperedLogError} naming the line).
 */
export class MachineReplay {
  private readonly pending = new Map<string, Pending>();
  private machine;
  private actor;
  private readonly history: ReplayedState[] = [];
  private lastLogged = 0;
  private transitions = 0;
  private status: ReplayedRun['status'] = 'running';
  private lastRunEvent: EventLogEntry;

  constructor(
    private readonly procedure: Procedure,
    started: EventLogEntry,
    /** Loads the procedure saved under a hash (`resume --allow-procedure-change`). */
    private readonly loadChanged: (hash: string, line: number) => Promise<Procedure>,
  ) {
    this.lastRunEvent = started;
    this.machine = machineFor(procedure, this.pending);
    this.actor = this.start();
  }

  /** Feeds line `line` (1-based) of the log to the machine. */
  async read(entry: EventLogEntry, line: number): Promise<void> {
    const data = (entry.data ?? {}) as JsonObject;
    if (entry.type === 'step.succeeded' || entry.type === 'step.failed') {
      await this.stepSettled(entry, line, data);
    } else if (entry.type === 'operator.event') {
      this.actor.send(data as unknown as OperatorEvent);
      await tick();
    } else if (entry.type === 'procedure.changed') {
      // `resume --allow-procedure-change`: the resumed process drove the new procedure, saved
      // with the run under its hash; the next resume restores into its machine.
      this.machine = machineFor(await this.loadChanged(String(data.new_hash), line), this.pending);
    } else if (entry.type === 'run.resumed') {
      await this.resumed(line, data);
    } else if (entry.type === 'transition') {
      this.transition(line, data);
    } else if (entry.type === 'run.succeeded' || entry.type === 'run.stopped') {
      this.finished(entry, line);
    }
    if (entry.type.startsWith('run.')) this.lastRunEvent = entry;
  }

  /** Stops the machine; what the replay established. */
  end(): ReplayedRun {
    this.actor.stop();
    const { procedure, transitions, status, history, lastLogged } = this;
    return { procedure, transitions, status, history, lastLogged };
  }

  /** Starts an actor of the current machine (restored from `snapshot`), recording its states. */
  private start(snapshot?: unknown) {
    const actor = snapshot
      ? createActor(this.machine, { snapshot: snapshot as Snapshot<unknown> })
      : createActor(this.machine);
    actor.subscribe((s) =>
      this.history.push({ value: stateKey(s.value), persisted: actor.getPersistedSnapshot() }),
    );
    actor.start();
    // The state it starts in is its first checkpoint.
    this.history.push({
      value: stateKey(actor.getSnapshot().value),
      persisted: actor.getPersistedSnapshot(),
    });
    return actor;
  }

  private async stepSettled(entry: EventLogEntry, line: number, data: JsonObject): Promise<void> {
    const pending = entry.step ? this.pending.get(entry.step) : undefined;
    if (!pending)
      throw new TamperedLogError(
        line,
        `replay diverged: step ${entry.step} finished but the machine was not running it`,
      );
    this.pending.delete(entry.step!);
    if (entry.type === 'step.succeeded') pending.resolve((data.output ?? {}) as JsonObject);
    else pending.reject(data.failure);
    await tick();
  }

  private async resumed(line: number, data: JsonObject): Promise<void> {
    // A resume that says the run had stopped on a failure came after the line saying so.
    if (data.previous_status === 'failed' && this.lastRunEvent.type !== 'run.stopped') {
      throw new TamperedLogError(
        line,
        `missing: the run resumed after stopping on a failure, but no run.stopped line precedes it (a line was removed)`,
      );
    }
    // The resumed process restored a persisted snapshot (or, with none, started afresh):
    // restore the same one here.
    const fresh = (data.restored_value ?? null) === null;
    const want = stateKey(data.restored_value ?? null);
    const found = fresh ? undefined : [...this.history].reverse().find((h) => h.value === want);
    if (!fresh && !found)
      throw new TamperedLogError(
        line,
        `replay diverged: the run resumed from ${want}, a state the machine never reached`,
      );
    this.actor.stop();
    this.pending.clear();
    this.actor = this.start(found?.persisted);
    this.lastLogged = this.history.length - 1;
    await tick();
  }

  private transition(line: number, data: JsonObject): void {
    this.transitions++;
    const want = stateKey((data as { value?: JsonValue }).value);
    const got = stateKey(this.actor.getSnapshot().value);
    if (want !== got)
      throw new TamperedLogError(
        line,
        `replay diverged: the log says ${want}, the machine is in ${got}`,
      );
    this.lastLogged = this.history.length - 1;
  }

  private finished(entry: EventLogEntry, line: number): void {
    const snap = this.actor.getSnapshot() as unknown as {
      status: string;
      context: ProcedureContext;
    };
    const machineDone = snap.status === 'done';
    if (machineDone !== (entry.type === 'run.succeeded')) {
      throw new TamperedLogError(
        line,
        `replay diverged: the log says ${entry.type}, the machine is ${machineDone ? 'done' : 'not done'}`,
      );
    }
    this.status = entry.type === 'run.succeeded' ? 'succeeded' : 'stopped';
  }
}

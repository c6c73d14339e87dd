/**
 * The contract between the engine and the code a step runs (actions, and the migration runners
 * they call). It sits below both so that neither imports the other for it.
 */

import type { JsonValue } from './json.js';
import type { Connections } from './postgres/connections.js';

/**
 * What an action gets from the engine. Everything with a side effect goes through here so the
 * engine can log it, checkpoint it and redact it.
 */
export interface ActionContext {
  runId: string;
  stepId: string;
  /** Directory relative paths in params are resolved against (the working directory). */
  cwd: string;
  /**
   * Where the run is kept, for messages (the run directory `runs/<run-id>` of the file store).
   * Not a place to open: the run's data is read and written through the methods below.
   */
  runDir: string;
  /** The server: maintenance database plus other databases by name. */
  db: Connections;
  /**
   * Writes `runs/<id>/artifacts/<name>` atomically; returns the path. Durable unless
   * `options.durable` is false (written and renamed into place, not fsynced: for a draft the step
   * rewrites durably before it ends).
   */
  writeArtifact(name: string, content: string, options?: { durable?: boolean }): Promise<string>;
  /** Reads one of this run's artifacts as UTF-8 text; undefined when the run has none by that name. */
  readArtifact(name: string): Promise<string | undefined>;
  /**
   * This run's log so far (lines this process wrote included), oldest first; with `types`, only
   * lines of those types. Not re-verified: the run lock makes the engine its only writer, and
   * `inspect` / `replay` verify the chain.
   */
  readLog(options?: { types?: (type: string) => boolean }): Promise<LoggedEvent[]>;
  /** The other runs kept beside this one (read-only), for evidence they recorded. */
  otherRuns: OtherRuns;
  /**
   * Appends an event to the run's log, durably (on disk before this resolves) unless
   * `options.durable` is false: then it is written at once and fsynced with the next durable
   * event (for per-item progress whose truth is in the database, e.g. a migration's version row).
   */
  log(type: string, data?: JsonValue, options?: { durable?: boolean }): Promise<void>;
  /**
   * One progress line to stderr (already prefixed by the engine with the step id). A `transient`
   * line is a status shown in place on a terminal and replaced by the next line; it is dropped
   * when progress is not live (see `liveProgress`).
   */
  progress(line: string, options?: { transient?: boolean }): void;
  /** Progress goes to a terminal: transient status lines are shown (rewritten in place). */
  liveProgress?: boolean;
  /**
   * Step-scoped progress persisted with the checkpoint (e.g. applied migrations, in-flight
   * marker, checksums). It survives crashes and is visible to a resumed attempt of the step.
   */
  checkpoint: {
    read(): JsonValue | undefined;
    /** Durable unless `options.durable` is false (written and renamed into place, not fsynced). */
    write(data: JsonValue, options?: { durable?: boolean }): Promise<void>;
  };
  /** Data shared across steps of one run attempt (e.g. provenance recorded during a migration). */
  shared: Map<string, unknown>;
  /** How this attempt of the step came about. */
  attempt: {
    /** 1 for the first attempt, 2+ after retries/resumes. */
    number: number;
    /** The operator's decision on resume (`--retry`, `--skip <id>`), if any. */
    decision?: { kind: 'retry' } | { kind: 'skip'; target: string };
    /** `--allow-changed`: applied migrations whose files changed may be accepted. */
    allowChanged: boolean;
  };
  /** Confirmations given for this invocation (`prod` for --confirm-prod / CONFIRM_PROD_MIGRATIONS). */
  confirmations: ReadonlySet<string>;
  /**
   * Where a gate's variable (`confirm`'s `env`) is read; absent: {@link env}. When a fleet's
   * driver runs the step, the variables the shell that created the fleet confirmed, and nothing
   * of the driver's own.
   */
  gateEnv?: Readonly<Record<string, string | undefined>>;
  /** The environment (read-only). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * `text` with the step's secrets masked as what it logs is: URL and keyword passwords, secret
   * params, the variables its expressions read and its own `env:` names like secrets; and, as it
   * is meant for what a command prints, those of the inherited environment named like secrets
   * (`echo $GITHUB_TOKEN`: `ambientSecretValues`) and each line of a secret of several lines.
   * For text an action cuts to a length (an output's tail) before it leaves the action, so that
   * no secret is cut in two and half of it kept. Not for outputs later steps read.
   */
  redact(text: string): string;
  /** Aborted when the run is being stopped. */
  signal: AbortSignal;
}

/** One line of a run's event log, as {@link ActionContext.readLog} returns it. */
export interface LoggedEvent {
  seq: number;
  time: string;
  type: string;
  step: string | null;
  data: JsonValue;
}

/** Read-only access to the runs kept in the same store as the current one. */
export interface OtherRuns {
  /** Their ids, in no particular order (the current run left out); reads none of them. */
  ids(): Promise<string[]>;
  /** An artifact of one of them as UTF-8 text; undefined when missing or unreadable. */
  readArtifact(runId: string, name: string): Promise<string | undefined>;
  /** The step progress its checkpoint holds, by step id; undefined when none or unreadable. */
  readProgress(runId: string): Promise<{ [stepId: string]: JsonValue } | undefined>;
  /** Its status as its record says (`succeeded`, `failed`, …); undefined when unreadable. */
  readStatus(runId: string): Promise<string | undefined>;
}

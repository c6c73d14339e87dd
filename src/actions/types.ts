import type { z } from 'zod';
import type { InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';

/**
 * What an action gets from the engine. Everything with a side effect goes through here so the
 * engine can log it, checkpoint it and redact it.
 */
export interface ActionContext {
  runId: string;
  stepId: string;
  /** Directory relative paths in params are resolved against (the working directory). */
  cwd: string;
  /** The run directory (`runs/<run-id>`). */
  runDir: string;
  /** The server: maintenance database plus other databases by name. */
  db: Connections;
  /**
   * Writes `runs/<id>/artifacts/<name>` atomically; returns the path. Durable unless
   * `options.durable` is false (written and renamed into place, not fsynced: for a draft the step
   * rewrites durably before it ends).
   */
  writeArtifact(name: string, content: string, options?: { durable?: boolean }): Promise<string>;
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
  /** The environment (read-only). */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted when the run is being stopped. */
  signal: AbortSignal;
}

/** What a successful action returns. `output` lands in the machine's context (keep it small). */
export interface ActionResult {
  /** JSON output other steps may reference as `${{ steps.<id>.output.<key> }}`. */
  output?: { [key: string]: JsonValue };
  /** One human line for the progress output and the checklist evidence. */
  summary?: string;
}

/**
 * An action: a named, validated, idempotent unit of work. It must be safe to run twice: a restored
 * in-flight step is re-invoked, so it reconciles with the database before acting.
 */
export interface ActionDefinition<P = unknown> {
  /** Dotted name used in procedures (`do: sql.exec`). */
  name: string;
  /** One line for `runbook show` and the JSON Schema. */
  summary: string;
  /** Zod schema of the `with` arguments (after expression resolution). */
  params: z.ZodType<P>;
  /** True when it may write to a database (refused on `replica`). */
  writes: boolean;
  run(ctx: ActionContext, params: P): Promise<ActionResult>;
  /**
   * Optional dry-run description for `runbook run --dry-run`: what this step would do, one line
   * per item (e.g. the migrations that would run, in order). It may read the database but must
   * never write. Without it, the dry run prints the step's resolved arguments.
   */
  plan?(ctx: PlanContext, params: P): Promise<string[]>;
  /**
   * Optional checks that need files but no database (e.g. a migration folder's headers and revision
   * graph), run before anything executes: any problem refuses the run with exit 2 and nothing is
   * written. Problems may carry the position of the offending file.
   */
  preflight?(params: P, ctx: PreflightContext): Promise<InputProblem[]>;
}

/** What a `preflight` gets. */
export interface PreflightContext {
  cwd: string;
  /**
   * Shared by the preflights of one run's steps: what one step's check read (a migration folder
   * listed and its graph built) another step naming the same thing can take from here.
   */
  memo: Map<string, unknown>;
  /** The environment the run will see (for checks of variables that configure an action). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What a dry-run `plan` gets: read-only access to the server and the working directory. */
export interface PlanContext {
  cwd: string;
  db: Connections;
  env: Readonly<Record<string, string | undefined>>;
}

/** Helper that keeps the params type when declaring an action. */
export function defineAction<P>(definition: ActionDefinition<P>): ActionDefinition<P> {
  return definition;
}

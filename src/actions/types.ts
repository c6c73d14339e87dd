import type { z } from 'zod';
import type { InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import type { ActionContext } from '../step-context.js';
import type { PlannedEffects } from './planned-effects.js';

export type { ActionContext };

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
   * never write. What the steps before it would leave is in `ctx.effects` (read it before the
   * database, and record there what this step would change: docs/design.md "Dry run"). Without
   * it, the dry run prints the step's resolved arguments.
   */
  plan?(ctx: PlanContext, params: P): Promise<string[]>;
  /**
   * Optional checks that need files but no database (e.g. a migration folder's headers and revision
   * graph), run before anything executes: any problem refuses the run with exit 2 and nothing is
   * written. Problems may carry the position of the offending file, and as `path` the argument
   * (a key under the step's `with`) they concern.
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
  /** The id of the step being planned. */
  step?: string;
  /** What the steps planned before this one would leave (a dropped database, stamped rows). */
  effects?: PlannedEffects;
  /** `--sql`: report the SQL each migration would send with {@link PlanContext.showSql}. */
  sql?: boolean;
  showSql?(entry: PlannedSql): void;
}

/** The SQL one migration of a dry run would send, as the runner sends it (passwords masked). */
export interface PlannedSql {
  revision: string;
  file: string;
  sql: string;
}

/**
 * Actions by the name a step gives in `do:`. The built-in registry is the `actions` export; a host
 * with actions of its own (`defineAction`) passes a map holding the built-ins and its own.
 */
export type ActionRegistry = ReadonlyMap<string, ActionDefinition>;

/** Helper that keeps the params type when declaring an action. */
export function defineAction<P>(definition: ActionDefinition<P>): ActionDefinition<P> {
  return definition;
}

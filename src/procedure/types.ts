import type { SourcePosition } from '../errors.js';
import type { JsonValue } from '../json.js';

/** Types a procedure parameter may declare. `path` values resolve relative to the working dir. */
export type ParamType =
  'string' | 'number' | 'integer' | 'boolean' | 'path' | 'list' | 'map' | 'url';

/** A declared parameter. */
export interface ParamSpec {
  type: ParamType;
  default?: JsonValue;
  description?: string;
  /**
   * A secret param (e.g. a URL with a password) is redacted everywhere it is printed or written.
   * After loading, true also for a param named like a secret (`password`, `token`, …) unless the
   * file declares `secret: false`.
   */
  secret?: boolean;
}

/** The authority a procedure requires (docs/design.md, "Database authority contract"). */
export interface Requirements {
  /** e.g. `local`, `neon`. Undeclared = the run is refused. */
  authority?: string;
  /** `staging` | `prod` | `replica` (or a list of accepted roles). */
  role?: string | string[];
  /**
   * Declared writing. Whether a procedure writes is derived from its steps; `true` makes a
   * read-only one count as writing, `false` is refused when a step writes.
   */
  writes?: boolean;
}

/** A step that invokes one action. */
export interface ActionStep {
  kind: 'action';
  id: string;
  /** Action name, e.g. `sql.exec`. */
  do: string;
  /** Raw `with` arguments; strings may hold `${{ expr }}` expressions. */
  with: Record<string, JsonValue>;
  description?: string;
  /** Step id to go to when this step fails (instead of resting in `failed`). */
  on_error?: string;
  /** Run only when this resolves truthy (`${{ params.drop_existing }}`); else the step is skipped. */
  when?: boolean | string;
  /** Skip the step when this resolves truthy (`${{ params.keep }}`). */
  unless?: boolean | string;
}

/** A `parallel:` block: branches run at once, each a sequence of steps. */
export interface ParallelStep {
  kind: 'parallel';
  id: string;
  description?: string;
  branches: { id: string; steps: Step[] }[];
}

/** A step of a procedure. */
export type Step = ActionStep | ParallelStep;

/** One line of the checklist printed at the end, bound to a step's outcome. */
export interface ChecklistItem {
  item: string;
  step: string;
  /** Optional `${{ }}` expression rendered as the evidence (e.g. a step's output field). */
  evidence?: string;
}

/** A validated procedure, as loaded from a YAML file. */
export interface Procedure {
  name: string;
  description?: string;
  requires: Requirements;
  params: Record<string, ParamSpec>;
  steps: Step[];
  /** Steps that always run once the main steps have settled (succeeded or stopped). */
  finally: ActionStep[];
  checklist: ChecklistItem[];
  source: {
    /** Path of the YAML file (as given / relative to cwd). */
    file: string;
    /** SHA-256 of the file's bytes: a changed file refuses to resume. */
    hash: string;
    /** Position of each key path (`steps[2].with.target`) for error messages. */
    positions: Record<string, SourcePosition>;
  };
}

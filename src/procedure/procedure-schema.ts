import * as z from 'zod';

/** Procedure names: lower-case words joined by hyphens (`local-equivalence`). */
export const PROCEDURE_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** Step, block and branch ids: they become XState state ids, so no dots or spaces. */
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Param names: usable in `${{ params.<name> }}`. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** State names the compiler uses next to step states; a step may not take one of them. */
export const RESERVED_STEP_IDS: readonly string[] = ['completed', 'complete', 'idle', 'settled'];

const paramTypes = [
  'string',
  'number',
  'integer',
  'boolean',
  'path',
  'list',
  'map',
  'url',
] as const;

const stepId = z
  .string()
  .regex(STEP_ID, 'must start with a letter or digit and hold only letters, digits, _ and -')
  .describe('Unique id of the step (the state id in the compiled machine)');

function actionStepShape(action: z.ZodType<string>) {
  return {
    id: stepId,
    do: action,
    with: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Arguments of the action; strings may hold ${{ }} expressions'),
    description: z.string().optional(),
    when: z
      .union([z.boolean(), z.string()])
      .optional()
      .describe(
        'Run the step only when this is true (usually a ${{ }} expression); else it is skipped',
      ),
    unless: z
      .union([z.boolean(), z.string()])
      .optional()
      .describe('Skip the step when this is true (usually a ${{ }} expression)'),
    on_error: z
      .string()
      .optional()
      .describe('Id of a main step to go to when this step fails (instead of stopping there)'),
  };
}

/** Builds every object schema of a procedure file; `do` is an enum when names are given. */
function buildSchemas(actionNames: readonly string[]) {
  const action: z.ZodType<string> =
    actionNames.length > 0
      ? z.enum([...actionNames] as [string, ...string[]]).describe('Action to run')
      : z.string().min(1).describe('Action to run, e.g. sql.exec');
  const actionStep = z.strictObject(actionStepShape(action)).describe('A step running one action');
  const { on_error: _onError, ...finallyShape } = actionStepShape(action);
  const finallyStep = z
    .strictObject(finallyShape)
    .describe('A cleanup step; finally steps always run, in order, whatever happened before');
  const branch = z.strictObject({
    id: stepId,
    steps: z.array(actionStep).min(1).describe('Steps of this branch, run in order'),
  });
  const parallelStep = z
    .strictObject({
      id: stepId,
      description: z.string().optional(),
      parallel: z.array(branch).min(1).describe('Branches run at the same time'),
    })
    .describe('A block of branches run concurrently');
  const param = z.strictObject({
    type: z.enum(paramTypes).describe('Type the value is checked against'),
    default: z.unknown().optional().describe('Value used when --param does not give one'),
    description: z.string().optional(),
    secret: z
      .boolean()
      .optional()
      .describe(
        'Redacted wherever printed or written; default true for names like password, token, secret, api_key',
      ),
  });
  const requires = z.strictObject({
    authority: z.string().optional().describe('Required DB_AUTHORITY, e.g. local or neon'),
    role: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('Accepted DB_ROLE: staging, prod or replica (or a list)'),
    writes: z
      .boolean()
      .optional()
      .describe(
        'Derived from the steps; true makes a read-only procedure count as writing, false is refused when a step writes',
      ),
  });
  const checklist = z.strictObject({
    item: z.string(),
    step: z.string().describe('Step whose outcome ticks this item'),
    evidence: z.string().optional().describe('A ${{ }} expression shown as evidence'),
  });
  const procedure = z
    .strictObject({
      $schema: z.string().optional().describe('JSON Schema reference for editors'),
      procedure: z
        .string()
        .regex(PROCEDURE_NAME, 'must be lower-case letters, digits and hyphens')
        .describe('Name of the procedure (`runbook run <name>`)'),
      description: z.string().optional(),
      requires: requires.optional(),
      params: z
        .record(z.string().regex(PARAM_NAME, 'not a valid param name'), param)
        .optional()
        .describe('Parameters, set with --param name=value'),
      steps: z
        .array(z.union([actionStep, parallelStep]))
        .min(1)
        .describe('Steps, run in order'),
      finally: z.array(finallyStep).optional().describe('Steps that always run at the end'),
      checklist: z
        .array(checklist)
        .optional()
        .describe('Printed at the end of a run, each item bound to a step outcome'),
    })
    .describe('A runbook procedure');
  return { procedure, requires, param, actionStep, parallelStep, finallyStep, branch, checklist };
}

/**
 * The zod schema of a procedure file (docs/design.md "Procedure files"). Every object is strict:
 * unknown keys are errors. `actionNames`, when given and non-empty, turns `do` into an enum (used
 * for the JSON Schema); the loader leaves `do` a string and checks it against the registry itself
 * so that a misspelling gets a "did you mean" hint.
 */
export function createProcedureSchema(actionNames: readonly string[] = []) {
  return buildSchemas(actionNames).procedure;
}

/** The input shape a valid procedure file parses to. */
export type ProcedureFile = z.output<ReturnType<typeof createProcedureSchema>>;

const shapes = buildSchemas([]);

/** Keys allowed in each kind of object, for "did you mean" hints on unknown keys. */
export const allowedKeys: Record<keyof typeof shapes, readonly string[]> = {
  procedure: Object.keys(shapes.procedure.shape),
  requires: Object.keys(shapes.requires.shape),
  param: Object.keys(shapes.param.shape),
  actionStep: Object.keys(shapes.actionStep.shape),
  parallelStep: Object.keys(shapes.parallelStep.shape),
  finallyStep: Object.keys(shapes.finallyStep.shape),
  branch: Object.keys(shapes.branch.shape),
  checklist: Object.keys(shapes.checklist.shape),
};

/** The declared param types. */
export const PARAM_TYPES: readonly string[] = paramTypes;

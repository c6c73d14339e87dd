import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { actions as builtInActions } from '../actions/index.js';
import type { ActionDefinition, ActionRegistry } from '../actions/types.js';
import { InvalidInputError, type InputProblem } from '../errors.js';
import type { JsonValue } from '../json.js';
import { type KeySegments } from './key-path.js';
import { allowedKeys, createProcedureSchema, type ProcedureFile } from './procedure-schema.js';
import { readYaml } from './read-yaml.js';
import type { ActionStep, Procedure, Step } from './types.js';
import { validateProcedure } from './validate-procedure.js';
import { zodProblems } from './zod-problems.js';
import { isSecretParam } from './secret-names.js';

const schema = createProcedureSchema();

/** Which kind of object sits at a key path, to hint the nearest valid key. */
function keysAt(root: unknown, path: KeySegments): readonly string[] | undefined {
  const names = path.map((s) => (typeof s === 'number' ? '#' : String(s)));
  const shape = names.join('/');
  if (shape === '') return allowedKeys.procedure;
  if (shape === 'requires') return allowedKeys.requires;
  if (/^params\/[^/]+$/.test(shape)) return allowedKeys.param;
  if (shape === 'steps/#/parallel/#') return allowedKeys.branch;
  if (shape === 'steps/#/parallel/#/steps/#') return allowedKeys.actionStep;
  if (shape === 'finally/#') return allowedKeys.finallyStep;
  if (shape === 'checklist/#') return allowedKeys.checklist;
  if (shape === 'steps/#') {
    const step = (root as { steps: unknown[] }).steps[path[1] as number];
    const parallel = step !== null && typeof step === 'object' && 'parallel' in step;
    return parallel ? allowedKeys.parallelStep : allowedKeys.actionStep;
  }
  return undefined;
}

interface RawActionStep {
  id: string;
  do: string;
  with?: Record<string, unknown>;
  description?: string;
  when?: boolean | string;
  unless?: boolean | string;
  on_error?: string;
}

function toActionStep(raw: RawActionStep): ActionStep {
  const step: ActionStep = {
    kind: 'action',
    id: raw.id,
    do: raw.do,
    with: (raw.with ?? {}) as Record<string, JsonValue>,
  };
  if (raw.description !== undefined) step.description = raw.description;
  if (raw.on_error !== undefined) step.on_error = raw.on_error;
  if (raw.when !== undefined) step.when = raw.when;
  if (raw.unless !== undefined) step.unless = raw.unless;
  return step;
}

function toProcedure(file: ProcedureFile, source: Procedure['source']): Procedure {
  const steps: Step[] = file.steps.map((raw) => {
    if (!('parallel' in raw)) return toActionStep(raw);
    const block: Step = {
      kind: 'parallel',
      id: raw.id,
      branches: raw.parallel.map((b) => ({ id: b.id, steps: b.steps.map(toActionStep) })),
    };
    if (raw.description !== undefined) block.description = raw.description;
    return block;
  });
  const procedure: Procedure = {
    name: file.procedure,
    requires: { ...file.requires },
    params: Object.fromEntries(
      Object.entries(file.params ?? {}).map(([name, spec]) => [
        name,
        {
          ...spec,
          default: spec.default as JsonValue | undefined,
          ...(isSecretParam(name, spec.secret, spec.type) ? { secret: true } : {}),
        },
      ]),
    ),
    steps,
    finally: (file.finally ?? []).map(toActionStep),
    checklist: (file.checklist ?? []).map((c) => ({ ...c })),
    source,
  };
  if (file.description !== undefined) procedure.description = file.description;
  for (const spec of Object.values(procedure.params)) {
    if (spec.default === undefined) delete spec.default;
  }
  return procedure;
}

/**
 * Parses and validates a procedure from its text (pure: no IO). Throws one
 * {@link InvalidInputError} listing every problem found, each with `file:line:column`, the key
 * path and a hint. `actions` is the registry `do:` names are checked against.
 */
export function parseProcedure(
  text: string | Uint8Array,
  file: string,
  actions: ReadonlyMap<string, ActionDefinition>,
): Procedure {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const yaml = readYaml(bytes.toString('utf8'), file);
  if (yaml.problems.length > 0) throw new InvalidInputError(yaml.problems);
  const root = yaml.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new InvalidInputError([
      {
        message: 'a procedure file must be a YAML mapping',
        position: { file, line: 1, column: 1 },
        hint: 'start with `procedure: <name>` followed by `steps:`',
      },
    ]);
  }
  const parsed = schema.safeParse(root);
  const problems: InputProblem[] = parsed.success
    ? []
    : zodProblems(parsed.error.issues, {
        value: root,
        positions: yaml.positions,
        allowedKeys: (path) => keysAt(root, path),
      });
  problems.push(...validateProcedure(root, yaml.positions, actions));
  if (problems.length > 0 || !parsed.success) {
    const sorted = dedupe(problems).sort(
      (a, b) =>
        (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
        (a.position?.column ?? 0) - (b.position?.column ?? 0),
    );
    throw new InvalidInputError(sorted);
  }
  return toProcedure(parsed.data, { file, hash, positions: yaml.positions });
}

function dedupe(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Reads, parses and validates a procedure file against an action registry: `options.actions`
 * (the caller's, e.g. the built-ins plus a host's own actions), by default the built-in `actions`.
 * A missing or unreadable file is an {@link InvalidInputError} too.
 */
export async function loadProcedure(
  file: string,
  options: { actions?: ActionRegistry } = {},
): Promise<Procedure> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      [
        {
          message:
            code === 'ENOENT'
              ? `procedure file not found: ${file}`
              : `cannot read ${file}: ${code}`,
          hint: 'check the name; `runbook list` shows the procedures found',
        },
      ],
      { cause: error },
    );
  }
  return procedureFromBytes(bytes, file, options);
}

/**
 * {@link loadProcedure} of a file whose content the caller has read (`bytes`; `file` names it in
 * problems): the same validation, the same result for the same content.
 */
export function procedureFromBytes(
  bytes: Buffer,
  file: string,
  options: { actions?: ActionRegistry } = {},
): Procedure {
  const actions = options.actions ?? builtInActions;
  // A long-lived process (the library running procedure after procedure) parses each file
  // content once per action registry; every caller gets its own copy to keep.
  const key = `${file}\0${createHash('sha256').update(bytes).digest('hex')}`;
  let known = parsedProcedures.get(actions);
  if (!known) parsedProcedures.set(actions, (known = new Map()));
  let procedure = known.get(key);
  if (!procedure) {
    procedure = parseProcedure(bytes, file, actions);
    if (known.size >= 64) known.clear();
    known.set(key, procedure);
  }
  return structuredClone(procedure);
}

/** Procedures parsed in this process, by action registry, then by file and content hash. */
const parsedProcedures = new WeakMap<
  ReadonlyMap<string, ActionDefinition>,
  Map<string, Procedure>
>();

import * as z from 'zod';
import type { ActionDefinition } from '../actions/types.js';
import type { JsonObject, JsonValue } from '../json.js';
import { createProcedureSchema } from './procedure-schema.js';

/** Where the generated schema is committed (repo root) and the command that rewrites it. */
export const PROCEDURE_SCHEMA_FILE = 'procedure.schema.json';
export const PROCEDURE_SCHEMA_COMMAND = 'npm run schema';

/** What the schema needs of an action: its summary and the zod schema of its `with:`. */
export type ActionSchemaSource = Pick<ActionDefinition, 'summary' | 'params'>;

/** `$defs` entry every expression-capable value may also be: a string holding `${{ … }}`. */
const EXPRESSION_DEF = 'expression';
const EXPRESSION_REF: JsonObject = { $ref: `#/$defs/${EXPRESSION_DEF}` };

/**
 * The JSON Schema of one action's `with:` arguments, from its zod schema (input side, so
 * arguments with a default are optional). Arguments are checked after `${{ }}` expressions are
 * resolved, so wherever a value could reject an expression string (a number, a boolean, an enum,
 * a pattern, a list or a map) the schema also accepts one.
 */
export function actionWithJsonSchema(action: ActionSchemaSource): JsonObject {
  const generated = z.toJSONSchema(action.params, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    io: 'input',
  }) as JsonObject;
  const { $schema: _ignored, description: _described, ...rest } = generated;
  return { ...allowExpressionsInside(rest), description: action.summary };
}

/** True when a plain string of any content is valid against `node`. */
function takesAnyString(node: JsonObject): boolean {
  const keys = Object.keys(node).filter((k) => k !== 'description' && k !== 'default');
  return (
    node.type === 'string' &&
    keys.every((k) => k === 'type' || (k === 'minLength' && node.minLength === 1))
  );
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `node` with expression strings allowed for it and for every value nested in it. */
function allowExpressions(node: JsonObject): JsonObject {
  const inner = allowExpressionsInside(node);
  if (takesAnyString(inner) || Object.keys(inner).length === 0) return inner;
  const { description, default: fallback, ...schema } = inner;
  const alone = Object.keys(schema).length === 1 && Array.isArray(schema.anyOf);
  return {
    anyOf: alone ? [...(schema.anyOf as JsonValue[]), EXPRESSION_REF] : [schema, EXPRESSION_REF],
    ...(description === undefined ? {} : { description }),
    ...(fallback === undefined ? {} : { default: fallback }),
  };
}

/** Applies {@link allowExpressions} to the values `node` describes (properties, items, …). */
function allowExpressionsInside(node: JsonObject): JsonObject {
  const out: JsonObject = { ...node };
  if (isObject(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, isObject(v) ? allowExpressions(v) : v]),
    );
  }
  if (isObject(node.items)) out.items = allowExpressions(node.items);
  if (isObject(node.additionalProperties)) {
    out.additionalProperties = allowExpressions(node.additionalProperties);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) {
      out[key] = list.map((v) => (isObject(v) ? allowExpressionsInside(v) : v));
    }
  }
  return out;
}

/**
 * Adds to every action step (an object schema whose `do` is the enum of action names) one
 * `if`/`then` per action: a step whose `do` is that action gets its `with:` schema.
 */
function typeWithByAction(node: JsonValue, names: readonly string[]): JsonValue {
  if (Array.isArray(node)) return node.map((v) => typeWithByAction(v, names));
  if (!isObject(node)) return node;
  const out: JsonObject = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, typeWithByAction(v, names)]),
  );
  const properties = node.properties;
  if (isObject(properties) && isObject(properties.do) && Array.isArray(properties.do.enum)) {
    out.allOf = names.map((name) => ({
      if: { properties: { do: { const: name } }, required: ['do'] },
      then: { properties: { with: { $ref: `#/$defs/${name}` } } },
    }));
  }
  return out;
}

/**
 * The JSON Schema of procedure files, generated from the zod schema with `z.toJSONSchema`, with
 * `do` an enum of the registered action names so editors complete and check them. Given the
 * actions themselves, a step's `with:` gets the arguments of the action its `do` names (the
 * schemas under `$defs`, one per action). Deterministic for a given list of names (they are
 * sorted).
 */
export function procedureJsonSchema(
  actionNames: readonly string[],
  actions?: ReadonlyMap<string, ActionSchemaSource>,
): JsonObject {
  const names = [...actionNames].sort();
  const generated = z.toJSONSchema(createProcedureSchema(names), {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonObject;
  const { $schema, ...rest } = generated;
  const base: JsonObject = {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    title: 'runbook procedure',
    ...rest,
  };
  if (!actions) return base;
  const typed = names.filter((name) => actions.has(name));
  const defs: JsonObject = {
    [EXPRESSION_DEF]: {
      type: 'string',
      pattern: '\\$\\{\\{',
      description: 'A ${{ }} expression, resolved before the arguments are checked',
    },
  };
  for (const name of typed) defs[name] = actionWithJsonSchema(actions.get(name)!);
  return { ...(typeWithByAction(base, typed) as JsonObject), $defs: defs };
}

/** The exact text of `procedure.schema.json` (2-space JSON and a final newline). */
export function procedureJsonSchemaText(
  actionNames: readonly string[],
  actions?: ReadonlyMap<string, ActionSchemaSource>,
): string {
  return JSON.stringify(procedureJsonSchema(actionNames, actions), null, 2) + '\n';
}

import { z } from 'zod';
import type { JsonObject } from '../json.js';
import { createProcedureSchema } from './procedure-schema.js';

/** Where the generated schema is committed (repo root) and the command that rewrites it. */
export const PROCEDURE_SCHEMA_FILE = 'procedure.schema.json';
export const PROCEDURE_SCHEMA_COMMAND = 'npm run schema';

/**
 * The JSON Schema of procedure files, generated from the zod schema with `z.toJSONSchema`, with
 * `do` an enum of the registered action names so editors complete and check them. Deterministic
 * for a given list of names (they are sorted).
 */
export function procedureJsonSchema(actionNames: readonly string[]): JsonObject {
  const generated = z.toJSONSchema(createProcedureSchema([...actionNames].sort()), {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonObject;
  const { $schema, ...rest } = generated;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    title: 'runbook procedure',
    ...rest,
  };
}

/** The exact text of `procedure.schema.json` (2-space JSON and a final newline). */
export function procedureJsonSchemaText(actionNames: readonly string[]): string {
  return JSON.stringify(procedureJsonSchema(actionNames), null, 2) + '\n';
}

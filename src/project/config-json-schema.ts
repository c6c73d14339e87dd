import * as z from 'zod';
import type { JsonObject } from '../json.js';
import { configSchema } from './config-schema.js';

/** The command that rewrites the committed config schema (`runbook.config.schema.json`). */
export const CONFIG_SCHEMA_COMMAND = 'npm run schema:config';

/**
 * The JSON Schema of `runbook.config.yaml`, generated from its zod schema with `z.toJSONSchema`
 * so editors complete and check the file (`# yaml-language-server: $schema=…`).
 */
export function configJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(configSchema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonObject;
  const { $schema, ...rest } = generated;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    title: 'runbook config',
    ...rest,
  };
}

/** The exact text of `runbook.config.schema.json` (2-space JSON and a final newline). */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

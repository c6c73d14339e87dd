import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { actionNames } from '../src/actions/index.js';
import type { JsonObject } from '../src/json.js';
import {
  PROCEDURE_SCHEMA_COMMAND,
  PROCEDURE_SCHEMA_FILE,
  procedureJsonSchema,
  procedureJsonSchemaText,
} from '../src/procedure/procedure-json-schema.js';

type Schema = JsonObject & {
  properties: Record<string, Schema>;
  items: Schema;
  anyOf: Schema[];
  additionalProperties: Schema | boolean;
  required: string[];
  enum: string[];
};

describe('procedure JSON Schema', () => {
  it(`is committed up to date (regenerate with \`${PROCEDURE_SCHEMA_COMMAND}\`)`, async () => {
    const committed = await readFile(PROCEDURE_SCHEMA_FILE, 'utf8').catch(() => '');
    const expected = procedureJsonSchemaText(actionNames);
    expect(
      committed === expected,
      `${PROCEDURE_SCHEMA_FILE} is stale or missing: run \`${PROCEDURE_SCHEMA_COMMAND}\``,
    ).toBe(true);
  });

  it('makes `do` an enum of the registered actions, in steps, branches and finally', () => {
    const schema = procedureJsonSchema(['b.two', 'a.one']) as Schema;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['procedure', 'steps']);
    const [action, parallel] = schema.properties.steps!.items.anyOf;
    expect(action!.properties.do!.enum).toEqual(['a.one', 'b.two']);
    expect(action!.additionalProperties).toBe(false);
    const branch = parallel!.properties.parallel!.items;
    expect(branch.properties.steps!.items.properties.do!.enum).toEqual(['a.one', 'b.two']);
    expect(schema.properties.finally!.items.properties.do!.enum).toEqual(['a.one', 'b.two']);
    expect(schema.properties.finally!.items.properties.on_error).toBeUndefined();
    expect(
      (schema.properties.params!.additionalProperties as Schema).properties.type!.enum,
    ).toEqual(['string', 'number', 'integer', 'boolean', 'path', 'list', 'map', 'url']);
  });
});

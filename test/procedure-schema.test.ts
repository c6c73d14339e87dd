import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { actionNames, actions } from '../src/actions/index.js';
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
    const expected = procedureJsonSchemaText(actionNames, actions);
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

  it("gives each action step's `with:` the keys of the action its `do` names", () => {
    const schema = procedureJsonSchema(actionNames, actions) as Schema & {
      $defs: Record<string, Schema>;
    };
    const step = schema.properties.steps!.items.anyOf[0] as Schema & { allOf: Schema[] };
    const rule = step.allOf.find(
      (r) => (r.if as Schema).properties.do!.const === 'sql.exec',
    ) as Schema;
    expect((rule.then as Schema).properties.with).toEqual({ $ref: '#/$defs/sql.exec' });
    const sqlExec = schema.$defs['sql.exec']!;
    expect(Object.keys(sqlExec.properties)).toEqual(
      expect.arrayContaining(['sql', 'file', 'database']),
    );
    expect(sqlExec.additionalProperties).toBe(false);
    expect(sqlExec.description).toBe(actions.get('sql.exec')!.summary);
    // every registered action has its `with:` schema, in steps, branches and finally alike
    expect(Object.keys(schema.$defs).sort()).toEqual(['expression', ...actionNames].sort());
    const finallyStep = schema.properties.finally!.items as Schema & { allOf: Schema[] };
    expect(finallyStep.allOf).toHaveLength(actionNames.length);
    // a value that is not a free string also accepts a ${{ }} expression (checked once resolved)
    const roles = schema.$defs['roles.ensure']!;
    expect(roles.required).toEqual(['roles']);
    expect(roles.properties.login!.anyOf).toEqual([
      { type: 'boolean' },
      { $ref: '#/$defs/expression' },
    ]);
  });
});

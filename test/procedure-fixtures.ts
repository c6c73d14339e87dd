import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../src/actions/types.js';

const notRun = async (): Promise<never> => {
  throw new Error('procedure tests validate and never run actions');
};

/** A small action registry for the procedure tests (shapes like the real actions). */
export const testActions: ReadonlyMap<string, ActionDefinition> = new Map(
  (
    [
      defineAction({
        name: 'sql.exec',
        summary: 'Run SQL',
        params: z.strictObject({
          sql: z.string().optional(),
          file: z.string().optional(),
          database: z.string().optional(),
        }),
        writes: true,
        run: notRun,
      }),
      defineAction({
        name: 'database.recreate',
        summary: 'Drop and create a database',
        params: z.strictObject({
          name: z.string(),
          terminate_connections: z.boolean().optional(),
        }),
        writes: true,
        run: notRun,
      }),
      defineAction({
        name: 'database.drop',
        summary: 'Drop a database',
        params: z.strictObject({ name: z.string() }),
        writes: true,
        run: notRun,
      }),
      defineAction({
        name: 'files.absent',
        summary: 'No file matches',
        params: z.strictObject({ path: z.string(), patterns: z.array(z.string()).min(1) }),
        writes: false,
        run: notRun,
      }),
      defineAction({
        name: 'migrations.upgrade',
        summary: 'Upgrade',
        params: z.strictObject({ source: z.string(), target: z.string().default('head') }),
        writes: true,
        run: notRun,
      }),
      defineAction({
        name: 'schema.expect',
        summary: 'Expect tables',
        params: z.strictObject({
          database: z.string().optional(),
          tables: z.record(z.string(), z.number().int()).optional(),
          views: z.number().int().optional(),
        }),
        writes: false,
        run: notRun,
      }),
    ] as ActionDefinition[]
  ).map((a) => [a.name, a]),
);

/** A valid procedure exercising params, expressions, parallel blocks, finally and checklist. */
export const validProcedure = `procedure: two-path
description: Build two scratch databases and compare them
requires: { authority: local, role: staging }
params:
  database: { type: string, default: scratch }
  migrations: { type: path, default: examples/nova/migrations }
  expect: { type: map, default: { public: 3 } }
  views: { type: integer, default: 2 }
  admin_url: { type: url, secret: true, default: "postgres://admin:s3cret@localhost:5432/postgres" }
steps:
  - id: no-orm-bootstrap
    do: files.absent
    with: { path: "\${{ params.migrations }}", patterns: [metadata.create_all] }
  - id: paths
    parallel:
      - id: path-a
        steps:
          - id: create-a
            do: database.recreate
            with: { name: "\${{ params.database }}_a" }
          - id: upgrade-a
            do: migrations.upgrade
            with: { source: "\${{ params.migrations }}", target: head }
      - id: path-b
        steps:
          - id: create-b
            do: database.recreate
            with: { name: "\${{ params.database }}_b", terminate_connections: true }
  - id: verify
    do: schema.expect
    with:
      database: "\${{ params.database }}_a"
      tables: "\${{ params.expect }}"
      views: "\${{ params.views }}"
    on_error: report
  - id: report
    do: sql.exec
    with: { sql: "select '\${{ steps.upgrade-a.output.head }}'" }
finally:
  - id: drop-a
    do: database.drop
    with: { name: "\${{ params.database }}_a" }
checklist:
  - { item: "Path A upgraded", step: upgrade-a, evidence: "\${{ steps.upgrade-a.output.head }}" }
`;

/** 1-based line and column of the first occurrence of `needle` in `text` (after `after`). */
export function locate(text: string, needle: string, after = ''): { line: number; column: number } {
  const from = after ? text.indexOf(after) + after.length : 0;
  const offset = text.indexOf(needle, from);
  if ((after && from < after.length) || offset < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

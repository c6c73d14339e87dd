import * as z from 'zod';
import { sqlState, StepError } from '../errors.js';
import { checkpointMark, createDatabase, databaseExists, newDatabaseName } from './database-ops.js';
import { planCreate } from './database-plans.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    name: newDatabaseName,
    owner: z.string().min(1).optional().describe('Role that will own the database'),
    template: z.string().min(1).optional().describe('Template database (e.g. template0)'),
    if_not_exists: z
      .boolean()
      .default(true)
      .describe('An existing database is left alone (default); false fails the step instead'),
    encoding: z.string().min(1).optional().describe('Character set, e.g. UTF8'),
  })
  .describe('database.create arguments');

/**
 * `database.create`: CREATE DATABASE on the server, reconciled with pg_database first. An existing
 * database is a no-op (unless `if_not_exists: false`). Safe to re-run: a mark in the step's
 * checkpoint recognises a database this step created before a crash.
 * Output `{ database, created }`.
 */
export const databaseCreate = defineAction({
  name: 'database.create',
  summary: 'Create a database on the server (no-op when it already exists)',
  params,
  writes: true,
  plan: planCreate,
  async run(ctx, p) {
    const ours = checkpointMark(ctx).creating === p.name;
    if (await databaseExists(ctx.db, p.name)) {
      if (ours) {
        return {
          output: { database: p.name, created: true },
          summary: `database "${p.name}" created (by an earlier attempt of this step)`,
        };
      }
      if (!p.if_not_exists) {
        throw new StepError(sqlState('42P04'), `database "${p.name}" already exists`, {
          hint: 'drop it first (database.drop / database.recreate) or set if_not_exists: true',
        });
      }
      return {
        output: { database: p.name, created: false },
        summary: `database "${p.name}" already exists; left as is`,
      };
    }
    await ctx.checkpoint.write({ creating: p.name });
    try {
      await createDatabase(ctx.db, p);
    } catch (err) {
      // Created concurrently by someone else between our check and our CREATE.
      if ((err as { code?: string }).code === '42P04' && p.if_not_exists) {
        return {
          output: { database: p.name, created: false },
          summary: `database "${p.name}" already exists; left as is`,
        };
      }
      throw err;
    }
    return { output: { database: p.name, created: true }, summary: `database "${p.name}" created` };
  },
});

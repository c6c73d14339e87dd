import * as z from 'zod';
import { checkpointMark, createDatabase, newDatabaseName, dropDatabase } from './database-ops.js';
import { planRecreate } from './database-plans.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    name: newDatabaseName,
    terminate_connections: z
      .boolean()
      .default(false)
      .describe('End other sessions on the database before dropping it'),
    owner: z.string().min(1).optional().describe('Role that will own the new database'),
    template: z.string().min(1).optional().describe('Template database (e.g. template0)'),
  })
  .describe('database.recreate arguments');

/**
 * `database.recreate`: drop (if it exists) then create, leaving an empty, fresh database. Safe to
 * re-run at any point: after a crash between drop and create the database is simply created; after
 * a crash following create the (still empty) database is dropped and created again. Whether this
 * step dropped one is remembered in its checkpoint. Output `{ database, dropped, created: true }`.
 */
export const databaseRecreate = defineAction({
  name: 'database.recreate',
  summary: 'Drop (if it exists) and create a database: an empty, fresh database',
  params,
  writes: true,
  plan: planRecreate,
  async run(ctx, p) {
    const droppedBefore = checkpointMark(ctx).dropped === true;
    const outcome = await dropDatabase(ctx.db, {
      name: p.name,
      terminateConnections: p.terminate_connections,
    });
    if (outcome.dropped && !droppedBefore) await ctx.checkpoint.write({ dropped: true });
    await createDatabase(ctx.db, { name: p.name, owner: p.owner, template: p.template });
    const dropped = outcome.dropped || droppedBefore;
    return {
      output: { database: p.name, dropped, created: true },
      summary: dropped
        ? `database "${p.name}" dropped and created empty`
        : `database "${p.name}" did not exist; created empty`,
    };
  },
});

import * as z from 'zod';
import { sqlState, StepError } from '../errors.js';
import { checkpointMark, databaseExists, databaseName, dropDatabase } from './database-ops.js';
import { planDrop } from './database-plans.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    name: databaseName,
    terminate_connections: z
      .boolean()
      .default(false)
      .describe('End other sessions on the database first (DROP ... WITH (FORCE))'),
    if_exists: z
      .boolean()
      .default(true)
      .describe('A missing database is a no-op (default); false fails the step instead'),
  })
  .describe('database.drop arguments');

/**
 * `database.drop`: drops a database, optionally ending other sessions on it. Refuses the
 * maintenance database. Safe to re-run: a database this step already dropped (checkpoint mark)
 * counts as dropped even with `if_exists: false`. Output `{ database, dropped, terminated }`.
 */
export const databaseDrop = defineAction({
  name: 'database.drop',
  summary: 'Drop a database (optionally terminating its connections)',
  params,
  writes: true,
  plan: planDrop,
  async run(ctx, p) {
    const ours = checkpointMark(ctx).dropping === p.name;
    // Mark only a database that is there to drop, so a later attempt knows it was ours.
    if (!ours && (await databaseExists(ctx.db, p.name))) {
      await ctx.checkpoint.write({ dropping: p.name });
    }
    const outcome = await dropDatabase(ctx.db, {
      name: p.name,
      terminateConnections: p.terminate_connections,
    });
    if (!outcome.dropped && !ours && !p.if_exists) {
      throw new StepError(sqlState('3D000'), `database "${p.name}" does not exist`, {
        hint: 'set if_exists: true to accept a missing database',
      });
    }
    const dropped = outcome.dropped || ours;
    const ended = outcome.terminated > 0 ? ` after ending ${outcome.terminated} session(s)` : '';
    return {
      output: { database: p.name, dropped, terminated: outcome.terminated },
      summary: outcome.dropped
        ? `database "${p.name}" dropped${ended}`
        : dropped
          ? `database "${p.name}" already dropped by an earlier attempt of this step`
          : `database "${p.name}" does not exist; nothing to drop`,
    };
  },
});

import * as z from 'zod';
import { quoteIdent } from '../postgres/quote.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    roles: z.array(z.string().min(1).max(63)).min(1).describe('Role names to ensure'),
    login: z.boolean().default(false).describe('Create missing roles with LOGIN (default NOLOGIN)'),
  })
  .describe('roles.ensure arguments');

/**
 * `roles.ensure`: creates each missing role (NOLOGIN unless `login`), leaving existing ones as they
 * are — idempotent, so the bootstrap can run any number of times. Names are quoted, never
 * interpolated. Output `{ created, existing }`.
 */
export const rolesEnsure = defineAction({
  name: 'roles.ensure',
  summary: 'Create missing roles (idempotent)',
  params,
  writes: true,
  async run(ctx, p) {
    const created: string[] = [];
    const existing: string[] = [];
    for (const role of p.roles) {
      const { rowCount } = await ctx.db
        .pool()
        .query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (rowCount) {
        existing.push(role);
        continue;
      }
      try {
        await ctx.db
          .pool()
          .query(`CREATE ROLE ${quoteIdent(role)} ${p.login ? 'LOGIN' : 'NOLOGIN'}`);
        created.push(role);
      } catch (err) {
        // Another session created it between our check and CREATE: it exists, which is the goal.
        if ((err as { code?: string }).code !== '42710') throw err;
        existing.push(role);
      }
    }
    return {
      output: { created, existing },
      summary: `roles ${p.roles.join(', ')}: ${created.length} created, ${existing.length} already existed`,
    };
  },
});

import * as z from 'zod';
import { quoteIdent, quoteLiteral } from '../postgres/quote.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const settingName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/,
    'a setting name like work_mem or app.current_tenant_id',
  );

const params = z
  .strictObject({
    database: connectableDatabaseName.describe(
      'Database whose settings are set (ALTER DATABASE ... SET)',
    ),
    settings: z
      .record(settingName, z.union([z.string(), z.number(), z.boolean()]))
      .describe('name → value'),
  })
  .describe('database.settings arguments');

/**
 * `database.settings`: database-level settings (`ALTER DATABASE db SET name = value`), including
 * custom GUCs such as `app.current_tenant_id` that RLS policies read. Reconciled with
 * pg_db_role_setting: a setting already at its value is left alone. Output `{ changed, unchanged }`.
 */
export const databaseSettings = defineAction({
  name: 'database.settings',
  summary: 'Set database-level settings and custom GUCs (idempotent)',
  params,
  writes: true,
  async run(ctx, p) {
    const { rows } = await ctx.db.pool().query<{ setconfig: string[] | null }>(
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
        WHERE d.datname = $1 AND s.setrole = 0`,
      [p.database],
    );
    const current = new Map<string, string>();
    for (const entry of rows[0]?.setconfig ?? []) {
      const eq = entry.indexOf('=');
      current.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    const changed: string[] = [];
    const unchanged: string[] = [];
    for (const [name, raw] of Object.entries(p.settings)) {
      const value = String(raw);
      if (current.get(name) === value) {
        unchanged.push(name);
        continue;
      }
      const quotedName = name.split('.').map(quoteIdent).join('.');
      await ctx.db
        .pool()
        .query(
          `ALTER DATABASE ${quoteIdent(p.database)} SET ${quotedName} = ${quoteLiteral(value)}`,
        );
      changed.push(name);
    }
    // ALTER DATABASE ... SET reaches new sessions only: retire our pooled sessions of that database
    // so later steps (a migration reading current_setting) see the new values.
    if (changed.length > 0) await ctx.db.close(p.database);
    return {
      output: { changed, unchanged },
      summary: `${changed.length} setting(s) set on ${p.database}${unchanged.length ? `, ${unchanged.length} already set` : ''}`,
    };
  },
});

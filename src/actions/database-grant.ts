import * as z from 'zod';
import { quoteIdent } from '../postgres/quote.js';
import { defineAction } from './types.js';

const databasePrivilege = z.enum(['CONNECT', 'TEMPORARY', 'CREATE', 'ALL']);
const schemaPrivilege = z.enum(['USAGE', 'CREATE', 'ALL']);
const tablePrivilege = z.enum([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
  'ALL',
]);

const params = z
  .strictObject({
    database: z.string().min(1).describe('Database the grants apply to'),
    grants: z
      .array(
        z.strictObject({
          role: z.string().min(1),
          database: z.array(databasePrivilege).default([]).describe('Privileges on the database'),
          schema: z
            .string()
            .min(1)
            .default('public')
            .describe('Schema for schema/table privileges'),
          schema_privileges: z.array(schemaPrivilege).default([]),
          default_table_privileges: z
            .array(tablePrivilege)
            .default([])
            .describe('ALTER DEFAULT PRIVILEGES for tables created later in the schema'),
        }),
      )
      .min(1),
  })
  .describe('database.grant arguments');

/**
 * `database.grant`: grants database and schema privileges (and default table privileges) to
 * roles. GRANT is idempotent in PostgreSQL, so re-running is safe. Privileges come from fixed
 * enums and names are quoted: nothing user-supplied reaches SQL unquoted.
 * Output `{ statements }` (how many GRANTs were issued).
 */
export const databaseGrant = defineAction({
  name: 'database.grant',
  summary: 'Grant database, schema and default table privileges to roles (idempotent)',
  params,
  writes: true,
  async run(ctx, p) {
    const db = quoteIdent(p.database);
    let statements = 0;
    await ctx.db.withClient(undefined, async (client) => {
      for (const g of p.grants) {
        if (g.database.length) {
          await client.query(
            `GRANT ${g.database.join(', ')} ON DATABASE ${db} TO ${quoteIdent(g.role)}`,
          );
          statements++;
        }
      }
    });
    await ctx.db.withClient(p.database, async (client) => {
      for (const g of p.grants) {
        const schema = quoteIdent(g.schema);
        if (g.schema_privileges.length) {
          await client.query(
            `GRANT ${g.schema_privileges.join(', ')} ON SCHEMA ${schema} TO ${quoteIdent(g.role)}`,
          );
          statements++;
        }
        if (g.default_table_privileges.length) {
          await client.query(
            `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ${g.default_table_privileges.join(', ')} ON TABLES TO ${quoteIdent(g.role)}`,
          );
          statements++;
        }
      }
    });
    return {
      output: { statements },
      summary: `${statements} grant(s) on ${p.database} for ${p.grants.map((g) => g.role).join(', ')}`,
    };
  },
});

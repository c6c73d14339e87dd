import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections } from '../src/postgres/connections.js';
import { quoteIdent, quoteLiteral } from '../src/postgres/quote.js';
import { redactDatabaseUrl, redactUrl } from '../src/postgres/url.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('postgres_helpers');
});
afterAll(async () => {
  await db?.drop();
});

describe('postgres helpers', () => {
  it('quotes hostile identifiers and literals so they round-trip, never inject', async () => {
    const conn = new Connections(db.url);
    const name = `we"ird; DROP TABLE x; -- ünï`;
    try {
      await conn.pool().query(`CREATE TABLE ${quoteIdent(name)} (v text)`);
      await conn
        .pool()
        .query(`INSERT INTO ${quoteIdent(name)} VALUES (${quoteLiteral("it's; --")})`);
      const { rows } = await conn.pool().query(`SELECT v FROM ${quoteIdent(name)}`);
      expect(rows).toEqual([{ v: "it's; --" }]);
      const t = await conn.pool().query(`SELECT relname FROM pg_class WHERE relname = $1`, [name]);
      expect(t.rowCount).toBe(1);
    } finally {
      await conn.end();
    }
  });

  it('redacts passwords in URLs embedded in any text', () => {
    expect(redactUrl('connect postgresql://u:s3cr%40t@h:5432/db failed')).toBe(
      'connect postgresql://u:***@h:5432/db failed',
    );
    expect(redactUrl('postgres://h/db?password=hunter2&x=1')).toBe(
      'postgres://h/db?password=***&x=1',
    );
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    // A password holding '@' (URL parsers split userinfo at the last '@').
    expect(redactUrl('postgresql://postgres:hun@ter2secret@localhost:1/postgres')).toBe(
      'postgresql://postgres:***@localhost:1/postgres',
    );
    // libpq keyword strings and environment assignments, quoted or not.
    expect(redactUrl('host=h password=hunter2secret dbname=x')).toBe(
      'host=h password=*** dbname=x',
    );
    expect(redactUrl("password='a b c' port=5")).toBe('password=*** port=5');
    expect(redactUrl('PGPASSWORD=zzz psql')).toBe('PGPASSWORD=*** psql');
    // Query keys are percent-decoded by node-postgres and libpq: an encoded key is the keyword.
    expect(redactUrl('postgres://h/db?pass%77ord=hunter2&x=1')).toBe(
      'postgres://h/db?pass%77ord=***&x=1',
    );
    expect(redactUrl('postgres://h/db?x=1&%70%41ssword=hunter2')).toBe(
      'postgres://h/db?x=1&%70%41ssword=***',
    );
    expect(redactUrl('postgres://h/db?sslpassword=k3y&ssl%70assword=k3y')).toBe(
      'postgres://h/db?sslpassword=***&ssl%70assword=***',
    );
    expect(redactUrl('postgres://h/db?passwords=1&mypassword=2&pass%2577ord=3')).toBe(
      'postgres://h/db?passwords=1&mypassword=2&pass%2577ord=3',
    );
    expect(redactUrl('postgres://h:5432/db')).toBe('postgres://h:5432/db');
    // Unencoded / # ? in the password: everything up to the last '@' before the URL ends.
    for (const pw of ['a/b:s3cret', 'a#b:s3cret', 'a?b/s3cret', '12#s3cret'])
      expect(redactUrl(`x postgres://u:${pw}@h/db y`)).toBe('x postgres://u:***@h/db y');
    // A quote ends a URL, so JSON keeps its structure.
    const json = JSON.stringify({ u: 'postgres://u:p/w@h/db', b: 'x@y' });
    expect(JSON.parse(redactUrl(json))).toEqual({ u: 'postgres://u:***@h/db', b: 'x@y' });
    // SQL password literals, quoted or dollar-quoted.
    expect(redactUrl("ALTER ROLE r PASSWORD 'it''s s3cret' LOGIN")).toBe(
      "ALTER ROLE r PASSWORD '***' LOGIN",
    );
    expect(redactUrl('CREATE ROLE r ENCRYPTED PASSWORD $p$s3cret$p$;')).toBe(
      "CREATE ROLE r ENCRYPTED PASSWORD '***';",
    );
  });

  it('redacts one known URL by its structure, whatever its password holds', () => {
    for (const pw of ['a/b:s3cret', 'a b"c', "q'uote", '12#s3cret', 'x?y@z'])
      expect(redactDatabaseUrl(`postgres://u:${pw}@h:5/db`)).toBe('postgres://u:***@h:5/db');
    expect(redactDatabaseUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactDatabaseUrl('postgres://h/db?password=s3cret')).toBe(
      'postgres://h/db?password=***',
    );
  });
});

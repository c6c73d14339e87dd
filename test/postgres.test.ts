import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections } from '../src/postgres/connections.js';
import { quoteIdent, quoteLiteral } from '../src/postgres/quote.js';
import { containsSecret } from '../src/postgres/find-passwords.js';
import {
  maskSqlPasswords,
  maskValues,
  redactJson,
  secretScrubber,
} from '../src/postgres/redact.js';
import { redactDatabaseUrl, redactUrl } from '../src/postgres/url.js';
import { assertNoSecret } from '../src/runs/secret-guard.js';
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

  it('masks passwords holding quotes, separators or comments, whatever form they take', () => {
    // A quote in a URL's password (a URL parser leaves it unencoded; SQL doubles it).
    const quoted = "x postgresql://u:S3cr3t'Qu@h:5/db y";
    expect(containsSecret(quoted)).toBe(true);
    expect(redactUrl(quoted)).toBe('x postgresql://u:***@h:5/db y');
    expect(redactUrl("SELECT dblink_connect('postgresql://u:S3cr3t''Qu@h/db')")).toBe(
      "SELECT dblink_connect('postgresql://u:***@h/db')",
    );
    // libpq ends an unquoted value at whitespace only.
    for (const pw of ['pa;S3cr3t', 'pa,S3cr3t', "pa'S3cr3t", 'pa&S3cr3t'])
      expect(redactUrl(`host=h password=${pw} user=x`)).toBe('host=h password=*** user=x');
    // SQL literals: E'' with a backslash escape, U&'', a comment before the literal.
    for (const lit of [String.raw`E'S3cr\'3t'`, "U&'S3cr\\0041'", "/* rotated */ 'S3cr3t'"])
      expect(redactUrl(`ALTER ROLE r PASSWORD ${lit} LOGIN`)).not.toContain('S3cr');
    expect(redactUrl("ALTER ROLE r PASSWORD -- new\n'S3cr3t';")).toBe(
      "ALTER ROLE r PASSWORD -- new\n'***';",
    );
    // Another session's query, cut short, with a URL in it.
    expect(maskSqlPasswords("ALTER ROLE r PASSWORD 'S3cr")).toBe("ALTER ROLE r PASSWORD '***'");
    expect(maskSqlPasswords("SELECT pg_sleep(9), 'postgresql://u:S3cr3t''Qu@h/db'")).toBe(
      "SELECT pg_sleep(9), 'postgresql://u:***@h/db'",
    );
    // SQLAlchemy's bound values, as text and inside JSON.
    const sqla =
      "boom\n[SQL: ALTER ROLE a PASSWORD %(pw)s]\n[parameters: {'pw': 'S3cr3tEnv'}]\n(Background)";
    expect(redactUrl(sqla)).toBe(
      'boom\n[SQL: ALTER ROLE a PASSWORD %(pw)s]\n[parameters: ***]\n(Background)',
    );
    for (const params of [
      `{'doc': '{"a": 1}', 'pw': 'S3cr3tEnv'}] (rev.py:12)`,
      `{'a': 'x]\\nnext', 'pw': 'S3cr3tEnv'}]`,
      `{'pw': 'S3cr3tEnv', 'cut': '`,
    ])
      expect(redactUrl(`boom\r\n[parameters: ${params}\r\n(Background)`)).not.toContain(
        'S3cr3tEnv',
      );
    // JSON is redacted string by string: its syntax is never taken.
    const record = { t: sqla, s: 'psql "host=db password=x;y"', e: "PASSWORD E'x", k: "y'", u: 1 };
    const masked = redactJson(JSON.parse(JSON.stringify(record)));
    expect(masked).toMatchObject({ u: 1, s: 'psql "host=db password=***"' });
    expect(JSON.stringify(masked)).not.toMatch(/S3cr3tEnv|x;y/);
  });

  it('masks a quote in a URL password outside a literal, a doubled one inside, and JSON keys', () => {
    for (const pw of ["ab',cd", "ab';cd", "ab')cd"])
      expect(redactUrl(`x postgres://u:${pw}@h/db y`)).toBe('x postgres://u:***@h/db y');
    expect(redactUrl("SELECT 'postgres://u:ab'',cd@h/db'")).toBe("SELECT 'postgres://u:***@h/db'");
    expect(redactJson({ 'postgres://u:pw@h/db': 1 })).toEqual({ 'postgres://u:***@h/db': 1 });
    expect(containsSecret('password=***hunter2')).toBe(true);
    // The run store's guard reads JSON string by string: an escaped line break ends a URL.
    const line = JSON.stringify({ m: 'see http://localhost:8080\nadmin@example.com', n: 'x' });
    expect(() => assertNoSecret(line, 'events.jsonl')).not.toThrow();
    expect(() => assertNoSecret(`${line}\n${line}\n`, 'events.jsonl')).not.toThrow();
    expect(() => assertNoSecret(JSON.stringify({ u: 'postgres://u:pw@h' }), 'x')).toThrow(
      /refusing to write x/,
    );
  });

  it('masks a shell\u2019s double-quoted PGPASSWORD and an environment map\u2019s, not an expression', () => {
    expect(redactUrl('export PGPASSWORD="S3cr 3t\\"x"; psql')).toBe('export PGPASSWORD=***; psql');
    expect(containsSecret('export PGPASSWORD="S3cr3t"')).toBe(true);
    // The mask and the syntax after it, or a procedure's expression, are no password.
    expect(containsSecret('export PGPASSWORD=***; psql')).toBe(false);
    expect(containsSecret('export PGPASSWORD="${{ env.PW }}"; psql')).toBe(false);
    expect(redactJson({ env: { PGPASSWORD: 'S3cr3t', password: 7, HOME: '/h' } })).toEqual({
      env: { PGPASSWORD: '***', password: '***', HOME: '/h' },
    });
  });

  it('takes a shell variable, NULL or a placeholder for no password, never a SQL literal', () => {
    for (const none of ['PGPASSWORD=$PW psql', 'psql "password=$(cat pw.txt)"', 'SET password = NULL', 'password=%s', `psql "host=h password='$APP_PW'"`, 'psql "postgresql://app:${db_pw}@h/d"', 'pw=$(cat f); PGPASSWORD=$pw psql'])
      expect(containsSecret(none), none).toBe(false); // prettier-ignore
    // In a URL or a single-quoted value, `$…` is the password itself.
    for (const real of ['postgresql://app:$Summer2024@db/app', "PGPASSWORD='$Summer2024' psql", 'postgres://u:null@h/db', "password=':abc'"])
      expect(containsSecret(real), real).toBe(true); // prettier-ignore
  });

  it('masks a secret in outputs only where it is no part of a longer name', () => {
    const out = { a: 'app_postgres', b: 'db-postgres.internal', c: 'postgres', d: 'pw: postgres!' };
    expect(redactJson(out, ['postgres'], true)).toEqual({ a: 'app_postgres', b: 'db-postgres.internal', c: '***', d: 'pw: ***!' }); // prettier-ignore
    // Any length (a regular expression of a 40,000-character secret would not compile).
    const long = `${'x'.repeat(40_000)}(.)`;
    expect(redactJson({ v: `k=${long}` }, [long], true)).toEqual({ v: 'k=***' });
  });

  it('finds no password where there is none, and stays linear on adversarial text', () => {
    const insert = "INSERT INTO t VALUES('http://localhost:8080/','ops@example.com')";
    expect(containsSecret(insert)).toBe(false);
    expect(redactUrl(insert)).toBe(insert);
    // A masked value followed by an escaped line break, as a JSON line holds it.
    for (const out of ['x PGPASSWORD=***\necho', 'a password=*** b', 'password=\tabc'])
      expect(() => assertNoSecret(JSON.stringify({ out: redactUrl(out) }), 'e')).not.toThrow();
    const started = performance.now();
    maskSqlPasswords(`SELECT 1 AS password ${'/**/ '.repeat(2000)}FROM t`);
    redactUrl(`password ${'/**/ '.repeat(2000)}x ${'password /*'.repeat(2000)}`);
    for (const text of [
      `${'a.'.repeat(50000)}://`,
      `://${'a-'.repeat(50000)}`,
      'postgresql://u:'.repeat(8000),
      '[parameters: '.repeat(8000),
      'PASSWORD $t$ '.repeat(8000),
    ])
      expect(containsSecret(redactUrl(maskSqlPasswords(text)))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('masks known secrets longest first, as numbers too, and as a URL writes them', () => {
    expect(maskValues("'S3cr3tPAdminTail' 'S3cr3tP'", ['S3cr3tP', 'S3cr3tPAdminTail'])).toBe(
      "'***' '***'",
    );
    expect(redactJson({ pin: 73310937, n: 5, s: 'pin 73310937' }, ['73310937'])).toEqual({
      pin: '***',
      n: 5,
      s: 'pin ***',
    });
    // A number is masked as a token of its own, not inside times, dates or longer numbers.
    expect(maskValues('pin=12 at T12:34 x123 12.5 (12)', ['12'])).toBe(
      'pin=*** at T12:34 x123 12.5 (***)',
    );
    expect(maskValues('your PIN is 1234. pin:1234 code-1234', ['1234'])).toBe(
      'your PIN is ***. pin:*** code-***',
    );
    const secret = "S3c'r$t:x/y";
    const url = new URL('postgresql://u@h/db');
    url.password = secret;
    const scrub = secretScrubber([secret]);
    expect(scrub(`connecting to ${url.href}`)).toBe('connecting to postgresql://u:***@h/db');
    expect(scrub(`raw ${secret} and ${url.password}`)).toBe('raw *** and ***');
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

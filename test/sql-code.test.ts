import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanSql } from '../src/postgres/sql-code.js';
import {
  mayControlTransactions,
  splitScript,
  type ParsedScript,
} from '../src/postgres/sql-script.js';

// mayControlTransactions decides whether a migration file is parsed before it is sent: a false
// answer sends it wrapped in the engine's transaction. It must never answer false for a script
// PostgreSQL's parser finds a BEGIN/COMMIT/… statement in, whatever hides the words elsewhere.
// splitScript's `trees: false` splits a one-statement script without the parser: it must split
// exactly as the parser does, or leave the script to the parser.

const sqlCode = (text: string): string | undefined => scanSql(text)?.code;

const RUNS = Number(process.env.RUNBOOK_PROPERTY_RUNS ?? 300);

describe('sqlCode', () => {
  it('blanks comments, literals, quoted identifiers and dollar-quoted bodies, and keeps the code', () => {
    expect(
      sqlCode(
        `-- begin\nCREATE /* a /* nested */ commit */ TABLE "end" (a text DEFAULT 'x''rollback');\n` +
          `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN $1; END $fn$;`,
      ),
    ).toBe(
      ` \nCREATE   TABLE   (a text DEFAULT  );\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS  ;`,
    );
    // `$` inside an identifier does not open a quote; a parameter is code.
    expect(sqlCode('SELECT a$b$c, $1 FROM t$x$')).toBe('SELECT a$b$c, $1 FROM t$x$');
    // After a number it does, as the server reads `1$a$`.
    expect(sqlCode('SELECT 1$a$ COMMIT $a$')).toBe('SELECT 1 ');
    // B'', X'', N'' and U&'' are plain quotes.
    expect(sqlCode("SELECT B'01', X'1F', N'commit', U&'d\\0061t'")).toBeUndefined();
    expect(sqlCode("SELECT B'01', X'1F', N'commit', U&'x'")).toBe('SELECT B , X , N , U& ');
  });

  it('is not sure (undefined) wherever its reading could differ from the server’s', () => {
    for (const text of [
      "SELECT E'it\\'s'; COMMIT;", // backslash escapes
      "SELECT 'a\\'; COMMIT; '", // a backslash with standard_conforming_strings off
      "SELECT 'unterminated",
      'SELECT "unterminated',
      'SELECT $$ unterminated',
      'SELECT /* unterminated /* */',
      'SELECT $ 1', // a lone dollar
    ]) {
      expect(sqlCode(text), text).toBeUndefined();
    }
  });
});

describe('splitScript without trees', () => {
  it('leaves a script to the parser when a comment line ends at a carriage return or a statement holds a non-ASCII space', async () => {
    const twoIndexes =
      'CREATE INDEX CONCURRENTLY i ON t (a);\r-- next one\rCREATE INDEX CONCURRENTLY j ON t (b);\r';
    const two = await splitScript(twoIndexes, { trees: false });
    expect(two.statements?.map((st) => st.text)).toEqual([
      'CREATE INDEX CONCURRENTLY i ON t (a)',
      'CREATE INDEX CONCURRENTLY j ON t (b)',
    ]);
    const split = await splitScript('SELECT 1 -- c\r; SELECT 2', { trees: false });
    expect(split.statements).toHaveLength(2);
    // U+00A0 is an identifier character to PostgreSQL: the parser rejects the script whole.
    const nbsp = await splitScript('CREATE INDEX CONCURRENTLY i ON t (a);\u00a0', { trees: false });
    expect(nbsp.statements).toBeNull();
  });
});

describe('scanSql terminators', () => {
  it('are the semicolons of the code outside parentheses', () => {
    const text = `CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT ';');\n-- ;\nSELECT $$;$$;`;
    expect(scanSql(text)?.terminators).toEqual([text.indexOf(');') + 1, text.length - 1]);
  });
});

describe('mayControlTransactions', () => {
  it('is false when the words are only in bodies, comments, literals and identifiers', () => {
    expect(
      mayControlTransactions(
        `-- start: commit the table with its trigger\nCREATE TABLE "begin" (note text DEFAULT 'end');\n` +
          `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$;\n` +
          `DO $guard$ BEGIN PERFORM 1; END $guard$;`,
      ),
    ).toBe(false);
  });

  it('is true for a statement of transaction control in the code, and for CASE … END', () => {
    for (const text of [
      // PostgreSQL ends a `--` comment at a carriage return (a file with CR line endings).
      '-- note\rCOMMIT;',
      'CREATE TABLE t (a int);\r-- add table\rCOMMIT;\r',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nBEGIN;\nCREATE TABLE t ();\nCOMMIT;',
      "SELECT 'a'; start transaction; select 1; end",
      'SELECT CASE WHEN true THEN 1 END',
      "SELECT E'x'; SAVEPOINT s",
    ]) {
      expect(mayControlTransactions(text), text).toBe(true);
    }
  });

  // Scripts built from the pieces PostgreSQL's lexer treats specially, a transaction-control
  // statement among them or hidden in one of them: whenever the parser accepts the script and
  // finds such a statement, the check must say "may".
  const word = fc.constantFrom('begin', 'COMMIT', 'end', 'Rollback', 'savepoint s', 'x', 'commit;');
  const inner = fc
    .array(
      fc.oneof(
        word,
        fc.constantFrom(
          "'",
          "''",
          '"',
          '""',
          '$',
          '$$',
          '$a$',
          '$b$',
          '\\',
          ';',
          '--',
          '/*',
          '*/',
          '\n',
          '\r',
          ' ',
          'E',
          '1',
        ),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join(''));
  const literal = fc.oneof(
    inner.map((s) => `'${s.replaceAll("'", "''")}'`),
    inner.map((s) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
    inner.map((s) => `"${s.replaceAll('"', '""') || 'c'}"`),
    fc
      .tuple(fc.constantFrom('$$', '$a$', '$body$'), inner)
      .map(([tag, s]) => (s.includes(tag) ? `'x'` : `${tag}${s}${tag}`)),
    fc.constantFrom('1', 'a$b$', 'a$$', 'b$a$', '$1', "B'01'", "U&'x'"),
  );
  // A `--` comment ends at a carriage return as well as a line feed.
  const comment = fc.oneof(
    fc
      .tuple(inner, fc.constantFrom('\n', '\r', '\r\n'))
      .map(([s, end]) => `--${s.replaceAll('\n', ' ')}${end}`),
    inner.map((s) => (s.includes('/*') || s.includes('*/') ? '/* x */' : `/* ${s} /* ${s} */ */`)),
  );
  const statement = fc.oneof(
    fc.constantFrom(
      'BEGIN',
      'COMMIT',
      'END',
      'ROLLBACK',
      'START TRANSACTION',
      'SAVEPOINT s',
      'RELEASE s',
      'ABORT',
    ),
    fc.array(literal, { minLength: 1, maxLength: 3 }).map((ls) => `SELECT ${ls.join(', ')}`),
    literal.map((l) => `SELECT CASE WHEN true THEN ${l} END`),
    literal.map((l) => `CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ${l}`),
    literal.map((l) => `CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT ${l}; SELECT (1))`),
    fc.constantFrom('CREATE INDEX CONCURRENTLY i ON t (a)', 'VACUUM t'),
  );
  const script = fc
    .array(fc.tuple(fc.option(comment), statement, fc.constantFrom(';', ';\n', ' ;')), {
      minLength: 1,
      maxLength: 5,
    })
    .map((parts) => parts.map(([c, s, end]) => `${c ?? ''}${s}${end}`).join(''));
  const single = fc
    .tuple(fc.option(comment), statement, fc.constantFrom('', ';', ';\n', ';;'), fc.option(comment))
    .map(([c, st, end, tail]) => `${c ?? ''}${st}${end}${tail ?? ''}`);
  const junk = fc
    .array(fc.oneof(literal, comment, word, fc.constantFrom(';', ' ', '\n', '$', "'", '"')), {
      maxLength: 12,
    })
    .map((parts) => parts.join(''));

  it('never answers false for a script the parser finds its own transaction control in', async () => {
    let ownTransactions = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(script, single, junk), async (text) => {
        const parsed = await splitScript(text);
        if (!parsed.ownTransaction) return;
        ownTransactions++;
        expect(mayControlTransactions(text)).toBe(true);
      }),
      { numRuns: RUNS * 4 },
    );
    // The generator reaches the case the property is about.
    expect(ownTransactions).toBeGreaterThan(RUNS / 4);
  });

  const withoutTrees = (p: ParsedScript): unknown =>
    p.statements?.map(({ tree: _tree, ...rest }) => rest) ?? null;

  it('splits without the parser (trees: false) only as the parser splits', async () => {
    let quick = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(single, script, junk), async (text) => {
        const parsed = await splitScript(text);
        const sent = await splitScript(text, { trees: false });
        if (sent.statements?.some((s) => s.tree === undefined)) quick++;
        if (parsed.statements === null) {
          // The server sees the one statement alone, and rejects it as it would the whole text.
          if (sent.statements !== null) expect(sent.statements).toHaveLength(1);
          return;
        }
        expect(withoutTrees(sent)).toEqual(withoutTrees(parsed));
        expect(sent.ownTransaction).toBe(parsed.ownTransaction);
      }),
      { numRuns: RUNS * 4 },
    );
    expect(quick).toBeGreaterThan(RUNS / 4);
  });
});

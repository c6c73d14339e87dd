import { describe, expect, it } from 'vitest';
import { analyzeMigrationSql } from '../src/catalog/analyze-migration-sql.js';
import {
  charsBefore,
  indexAfterChars,
  lineAt,
  splitScript,
  statementAt,
  statementBody,
} from '../src/postgres/sql-script.js';

// The one statement splitter: offsets are UTF-16 indexes of the script (what `slice` takes),
// whatever the script holds before a statement: 'é' is 2 bytes and 1 code unit, '😀' 4 bytes and
// 2 code units, 1 character (code point) each for the server.
const SCRIPT =
  "-- é 😀\nSELECT 'é😀' AS a;\n/* ☃ */ INSERT INTO t\n  VALUES ('😀😀');\nDROP TABLE t;";

describe('splitScript', () => {
  it('gives each statement its UTF-16 offset and the line of its first token past multibyte text', async () => {
    const { statements, ownTransaction } = await splitScript(SCRIPT);
    expect(ownTransaction).toBe(false);
    expect(statements?.map((s) => statementBody(s.text))).toEqual([
      "SELECT 'é😀' AS a",
      "INSERT INTO t\n  VALUES ('😀😀')",
      'DROP TABLE t',
    ]);
    for (const s of statements ?? []) expect(SCRIPT.slice(s.offset).startsWith(s.text)).toBe(true);
    expect(statements?.map((s) => s.line)).toEqual([2, 3, 5]);
    const drop = SCRIPT.indexOf('DROP');
    expect(statementAt(statements, drop)?.index).toBe(2);
    expect(statements?.[2]?.tree).toHaveProperty('DropStmt');
  });

  it('converts the server’s character positions to indexes and back', () => {
    // The server counts the emoji as one character: `AS` is the 13th character of line 2.
    const line2 = SCRIPT.indexOf('SELECT');
    const as = indexAfterChars(SCRIPT, line2, 12);
    expect(SCRIPT.slice(as, as + 2)).toBe('AS');
    expect(charsBefore(SCRIPT, as)).toBe([...SCRIPT.slice(0, as)].length);
    expect(lineAt(SCRIPT, indexAfterChars(SCRIPT, 0, [...SCRIPT].length - 3))).toBe(5);
  });

  it('reports a syntax error instead of throwing', async () => {
    const parsed = await splitScript("SELECT '😀';\nSELEC broken;");
    expect(parsed.statements).toBeNull();
    expect(parsed.parseError?.message).toMatch(/syntax error/);
  });

  it('gives a destructive statement its line past multibyte text', async () => {
    const a = await analyzeMigrationSql(SCRIPT);
    expect(a.destructive).toEqual([
      { kind: 'DROP TABLE', target: 't', statement: 'DROP TABLE t', line: 5 },
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanPsqlScript } from '../src/actions/psql-script.js';

const fixture = (name: string) => readFileSync(`test/fixtures/pg-dump/${name}`, 'utf8');

describe('scanPsqlScript', () => {
  it('blanks pg_dump’s \\restrict / \\unrestrict lines, keeping length and lines', () => {
    const text = fixture('shop-schema.sql');
    const scan = scanPsqlScript(text);
    expect(scan.metaCommands).toEqual([]);
    expect(scan.copies).toEqual([]);
    expect(scan.sql).toHaveLength(text.length);
    expect(scan.sql.split('\n')).toHaveLength(text.split('\n').length);
    expect(scan.sql).not.toMatch(/\\(un)?restrict/);
    expect(text).toMatch(/^\\restrict \w+$/m);
  });

  it('finds COPY … FROM stdin blocks and never reads their data as meta-commands', () => {
    const text = fixture('shop-data.sql');
    const scan = scanPsqlScript(text);
    expect(scan.metaCommands).toEqual([]);
    expect(scan.copies.map((c) => text.slice(c.start, c.statementEnd))).toEqual([
      'COPY public.customers (id, email, created_at) FROM stdin;',
      'COPY public.orders (id, customer_id, status, total, note) FROM stdin;',
    ]);
    expect(scan.copies[1]?.data).toBe(
      '1\t1\tpaid\t12.50\tfirst\\torder\n2\t2\tpending\t0.00\t\\N\n',
    );
    expect(text.slice(scan.copies[0]!.end)).toMatch(/^\n\n--\n-- Data for Name: orders/);
    expect(scan.copies[0]?.line).toBe(
      text.split('\n').indexOf(text.slice(scan.copies[0]!.start).split('\n')[0]!) + 1,
    );
  });

  it('sees backslashes in quotes, dollar quotes and comments as text, and names other meta-commands by line', () => {
    const text =
      "select 'a\\b', E'x\\'y', $$ \\x $$, $f$;$f$, \"a\\b\"\"\"; -- \\c\n" +
      '/* \\c /* nested */ \\c */ select 1;\n' +
      '\\connect other\n' +
      'select 2; \\gset\n';
    const scan = scanPsqlScript(text);
    expect(scan.metaCommands).toEqual([
      { line: 3, text: '\\connect other' },
      { line: 4, text: '\\gset' },
    ]);
    expect(scan.sql).toBe(text);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../src/json.js';
import {
  ExpressionError,
  findExpressions,
  resolveExpressions,
  type ExpressionScope,
} from '../src/procedure/expressions.js';
import { nearestName } from '../src/procedure/nearest-name.js';

const scope: ExpressionScope = {
  params: { database: 'nova', expect: { public: 136, agents: 13 }, views: 14, tables: ['a', 'b'] },
  steps: { migrate: { output: { head: '115_fix', applied: 3 } }, empty: {} },
  run: { id: 'demo-20250101T000000Z-abcd', dir: '/tmp/runs/demo' },
  env: { HOME: '/home/op' },
};

describe('resolveExpressions', () => {
  it('passes the raw JSON value through when a string is exactly one expression', () => {
    expect(resolveExpressions('${{ params.expect }}', scope)).toEqual({ public: 136, agents: 13 });
    expect(resolveExpressions('${{params.views}}', scope)).toBe(14);
    expect(resolveExpressions(' ${{ params.tables }}', scope)).toBe(' ["a","b"]');
    expect(resolveExpressions('${{ params.expect.public }}', scope)).toBe(136);
    expect(resolveExpressions('${{ params.tables.1 }}', scope)).toBe('b');
  });

  it('stringifies expressions embedded in a longer string', () => {
    expect(resolveExpressions('${{ params.database }}_a', scope)).toBe('nova_a');
    expect(
      resolveExpressions(
        'head ${{ steps.migrate.output.head }} after ${{ steps.migrate.output.applied }}',
        scope,
      ),
    ).toBe('head 115_fix after 3');
    expect(resolveExpressions('${{ run.dir }}/artifacts/${{ run.id }}.txt', scope)).toBe(
      '/tmp/runs/demo/artifacts/demo-20250101T000000Z-abcd.txt',
    );
    expect(resolveExpressions('${{ env.HOME }}', scope)).toBe('/home/op');
  });

  it('resolves inside maps and lists and leaves other values alone', () => {
    expect(
      resolveExpressions(
        {
          name: '${{ params.database }}',
          list: ['${{ params.views }}', 1, null, true],
          plain: 'x',
        },
        scope,
      ),
    ).toEqual({ name: 'nova', list: [14, 1, null, true], plain: 'x' });
  });

  it('throws an ExpressionError naming a missing param, step, output key or variable', () => {
    const fail = (text: string) => {
      try {
        resolveExpressions(text, scope);
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionError);
        expect((error as ExpressionError).code).toBe('EXPRESSION_UNRESOLVED');
        return (error as Error).message;
      }
      throw new Error(`${text} resolved`);
    };
    expect(fail('${{ params.nope }}')).toMatch(/params has no `nope` \(it has: database, expect/);
    expect(fail('x ${{ steps.later.output.n }}')).toMatch(/steps has no `later`/);
    expect(fail('${{ steps.migrate.output.tail }}')).toMatch(
      /steps\.migrate\.output has no `tail`/,
    );
    expect(fail('${{ steps.empty.output.x }}')).toMatch(/steps\.empty has no `output`/);
    expect(fail('${{ env.MISSING }}')).toMatch(/env has no `MISSING`/);
    expect(fail('${{ params.database')).toMatch(/unterminated/);
    expect(fail('${{ secrets.x }}')).toMatch(/must start with one of/);
    expect(fail('${{ params.constructor }}')).toMatch(/params has no `constructor`/);
  });
});

describe('findExpressions', () => {
  it('finds every expression with its location and parsed reference', () => {
    const found = findExpressions({
      a: '${{ params.x }}-${{ run.id }}',
      b: [{ c: 'plain' }, { d: '${{ steps.s.output.k }}' }],
      e: 'oops ${{ ',
    });
    expect(found.map((f) => [f.at, f.text, f.segments ?? f.error])).toEqual([
      [['a'], 'params.x', ['params', 'x']],
      [['a'], 'run.id', ['run', 'id']],
      [['b', 1, 'd'], 'steps.s.output.k', ['steps', 's', 'output', 'k']],
      [['e'], '${{ ', 'unterminated expression (no `}}`)'],
    ]);
    expect(findExpressions('${{ }}')[0]!.error).toBe('empty expression');
    expect(findExpressions('${{ params }}')[0]!.error).toMatch(/names no field/);
  });
});

describe('nearestName', () => {
  it('finds misspellings, transpositions and suffixes, and nothing for unrelated names', () => {
    const names = ['sql.exec', 'sql.expect', 'database.create', 'database.drop', 'files.absent'];
    expect(nearestName('sql.exce', names)).toBe('sql.exec');
    expect(nearestName('sql.expcet', names)).toBe('sql.expect');
    expect(nearestName('databse.drop', names)).toBe('database.drop');
    expect(nearestName('absent', names)).toBe('files.absent');
    expect(nearestName('migrations.upgrade', names)).toBeUndefined();
    expect(nearestName('x', [])).toBeUndefined();
  });
});

describe('resolveExpressions properties', () => {
  it('leaves any JSON value without expressions unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!JSON.stringify(value).includes('${{'));
        expect(resolveExpressions(value as JsonValue, scope)).toEqual(value);
      }),
    );
  });

  it('substitutes any string param verbatim, alone or embedded', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (param, prefix) => {
        fc.pre(!prefix.includes('${{'));
        const s: ExpressionScope = { params: { p: param } };
        expect(resolveExpressions('${{ params.p }}', s)).toBe(param);
        expect(resolveExpressions(`${prefix}\${{ params.p }}!`, s)).toBe(`${prefix}${param}!`);
      }),
    );
  });
});

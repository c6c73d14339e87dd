import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appliedSet,
  loadMigrationSource,
  planUpgrade,
  RevisionGraph,
  type Migration,
} from '../src/migrations/index.js';

function m(revision: string, parents: string[] = [], extra: Partial<Migration> = {}): Migration {
  return {
    revision,
    parents,
    branchLabels: [],
    dependsOn: [],
    transactional: true,
    file: `/x/${revision}.sql`,
    checksum: 'c',
    ...extra,
  };
}

const skeldir = path.resolve('test/fixtures/migrations/skeldir');

describe('revision graph and planner', () => {
  it('orders a merge like Alembic: the last declared parent branch first', async () => {
    const source = await loadMigrationSource(skeldir);
    expect(source.layout).toBe('alembic-sql');
    const graph = new RevisionGraph(await source.list());
    expect(graph.heads()).toEqual(['202512151400']);
    const plan = planUpgrade(graph, new Set(), 'skeldir_foundation@head').map((x) => x.revision);
    expect(plan).toEqual([
      '202512120900',
      '202512151300',
      'baseline',
      '202511131115',
      '202511131121',
      '202512151400',
    ]);
    const applied = appliedSet(graph, ['202511131121']);
    expect(planUpgrade(graph, applied, 'skeldir_foundation@head').map((x) => x.revision)).toEqual([
      '202512120900',
      '202512151300',
      '202512151400',
    ]);
  });

  // Several heads: Alembic walks them in declared order and reverses, so the last head's branch runs first.
  it('resolves prefixes, labels, head, heads and +N', () => {
    const g = new RevisionGraph([
      m('a1'),
      m('a2', ['a1']),
      m('b1', [], { branchLabels: ['side'] }),
      m('b2', ['b1']),
    ]);
    expect(() => planUpgrade(g, new Set(), 'head')).toThrow(/multiple heads/);
    expect(() => planUpgrade(g, new Set(), 'a')).toThrow(/a1, a2/);
    expect(planUpgrade(g, new Set(), 'side@head').map((x) => x.revision)).toEqual(['b1', 'b2']);
    expect(planUpgrade(g, new Set(), 'heads').map((x) => x.revision)).toEqual([
      'b1',
      'b2',
      'a1',
      'a2',
    ]);
    expect(planUpgrade(g, appliedSet(g, ['a1']), '+2').map((x) => x.revision)).toEqual([
      'b1',
      'b2',
    ]);
    expect(planUpgrade(g, new Set(), 'base')).toEqual([]);
    expect(() => planUpgrade(g, new Set(), 'zz')).toThrow(/no revision/);
  });

  it('includes depends_on and rejects duplicates, missing parents and cycles', () => {
    const g = new RevisionGraph([m('a'), m('b'), m('c', ['a'], { dependsOn: ['b'] })]);
    expect(planUpgrade(g, new Set(), 'c').map((x) => x.revision)).toEqual(['b', 'a', 'c']);
    expect(() => new RevisionGraph([m('a'), m('a')])).toThrow(/duplicate revision "a"/);
    expect(() => new RevisionGraph([m('a', ['nope'], { lines: { parents: 2 } })])).toThrow(
      '/x/a.sql:2: down_revision "nope"',
    );
    expect(() => new RevisionGraph([m('a', ['b']), m('b', ['a'])])).toThrow(/cycle/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProcedure, parseProcedure } from '../src/procedure/load-procedure.js';
import { locate, testActions, validProcedure } from './procedure-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runbook-procedure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadProcedure', () => {
  it('loads a valid procedure with kinds, hash and positions', async () => {
    const file = join(dir, 'two-path.yaml');
    await writeFile(file, validProcedure);
    const procedure = await loadProcedure(file, { actions: testActions });
    expect(procedure.name).toBe('two-path');
    expect(procedure.requires).toEqual({ authority: 'local', role: 'staging' });
    expect(procedure.source.hash).toBe(createHash('sha256').update(validProcedure).digest('hex'));
    expect(procedure.steps.map((s) => `${s.kind}:${s.id}`)).toEqual([
      'action:no-orm-bootstrap',
      'parallel:paths',
      'action:verify',
      'action:report',
    ]);
    const paths = procedure.steps[1]!;
    expect(
      paths.kind === 'parallel' && paths.branches.map((b) => b.steps.map((s) => s.id)),
    ).toEqual([['create-a', 'upgrade-a'], ['create-b']]);
    expect(procedure.steps[2]).toMatchObject({
      kind: 'action',
      do: 'schema.expect',
      on_error: 'report',
    });
    expect(procedure.finally).toEqual([
      {
        kind: 'action',
        id: 'drop-a',
        do: 'database.drop',
        with: { name: '${{ params.database }}_a' },
      },
    ]);
    expect(procedure.params.expect).toEqual({ type: 'map', default: { public: 3 } });
    expect(procedure.checklist[0]).toEqual({
      item: 'Path A upgraded',
      step: 'upgrade-a',
      evidence: '${{ steps.upgrade-a.output.head }}',
    });
    const pos = procedure.source.positions;
    const t = validProcedure;
    expect(pos['steps[2].with.tables']).toEqual({ file, ...locate(t, 'tables:') });
    expect(pos['steps[1].parallel[0].steps[1].do']).toEqual({
      file,
      ...locate(t, 'do: migrations.upgrade'),
    });
    expect(pos['params.views']).toEqual({ file, ...locate(t, 'views:') });
    expect(pos['finally[0]']).toEqual({ file, ...locate(t, 'id: drop-a') });
    expect(pos['checklist[0].evidence']).toEqual({ file, ...locate(t, 'evidence:') });
  });

  it('reports a missing file as invalid input', async () => {
    await expect(loadProcedure(join(dir, 'nope.yaml'), { actions: testActions })).rejects.toThrow(
      /procedure file not found: .*nope\.yaml/,
    );
  });

  it('parses text without IO: optional sections default to empty, hash is of the bytes', () => {
    const text = 'procedure: tiny\nsteps:\n  - { id: only, do: sql.exec }\n';
    const procedure = parseProcedure(text, 'tiny.yaml', testActions);
    expect(procedure).toMatchObject({
      name: 'tiny',
      requires: {},
      params: {},
      finally: [],
      checklist: [],
      steps: [{ kind: 'action', id: 'only', do: 'sql.exec', with: {} }],
    });
    expect(procedure.source.hash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(parseProcedure(Buffer.from(text), 'tiny.yaml', testActions).source.hash).toBe(
      procedure.source.hash,
    );
  });
});

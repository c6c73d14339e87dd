import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProcedure } from '../src/procedure/load-procedure.js';
import { createCliWorkspace, REPO, type CliWorkspace } from './support/cli.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'migrations');
let ws: CliWorkspace | undefined;

/** A workspace without the `procedures/` folder the CLI workspace makes, as a fresh project. */
async function project(): Promise<CliWorkspace> {
  ws = await createCliWorkspace('runbook-init-');
  await rm(ws.proceduresDir, { recursive: true });
  return ws;
}
afterEach(async () => {
  await ws?.dispose();
  ws = undefined;
});

const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');

describe('runbook init', () => {
  it('finds the migration folder and its layout; writes config, example and .gitignore', async () => {
    const p = await project();
    await cp(path.join(FIXTURES, 'dbmate'), path.join(p.dir, 'db', 'migrations'), {
      recursive: true,
    });
    const r = await p.cli(['init', '--database', 'shop']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('found dbmate migrations in db/migrations (3)');
    expect(r.stdout).toMatch(/^wrote\s+runbook\.config\.yaml$/m);
    expect(r.stdout).toMatch(/^wrote\s+procedures\/rebuild-local\.yaml$/m);
    expect(r.stdout).toContain('DB_AUTHORITY=local DB_ROLE=staging npx runbook run upgrade');

    const config = parse(await read(p.dir, 'runbook.config.yaml')) as Record<string, unknown>;
    expect(config.params).toEqual({ upgrade: { migrations: 'db/migrations', database: 'shop' } });
    const example = await loadProcedure(path.join(p.dir, 'procedures', 'rebuild-local.yaml'));
    expect(example.params.migrations!.default).toBe('db/migrations');
    expect(example.steps.map((s) => s.id)).toEqual(['recreate-database', 'migrate', 'version']);
    expect(JSON.stringify(example.steps)).toContain('"layout":"dbmate"');
    expect(await read(p.dir, '.gitignore')).toBe(
      '# runbook: run directories and the embedded server\nruns/\n.runbook/\n',
    );
    // The config it wrote is valid: the built-in upgrade takes its params.
    const shown = await p.cli(['show', 'upgrade']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('database: string = "shop" (from the config)');
  });

  it('never overwrites: a second init skips everything; .gitignore gains each entry once', async () => {
    const p = await project();
    await cp(path.join(FIXTURES, 'golang'), path.join(p.dir, 'migrations'), { recursive: true });
    await writeFile(path.join(p.dir, '.gitignore'), 'node_modules\n/runs');
    await mkdir(path.join(p.dir, 'procedures'));
    await writeFile(path.join(p.dir, 'procedures', 'rebuild-local.yaml'), '# mine\n');
    const first = await p.cli(['init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('found golang-migrate migrations in migrations (3)');
    expect(first.stdout).toMatch(/^skipped\s+procedures\/rebuild-local\.yaml: exists/m);
    expect(await read(p.dir, 'procedures/rebuild-local.yaml')).toBe('# mine\n');
    expect(await read(p.dir, '.gitignore')).toBe(
      'node_modules\n/runs\n# runbook: run directories and the embedded server\n.runbook/\n',
    );
    const config = await read(p.dir, 'runbook.config.yaml');
    await writeFile(path.join(p.dir, 'runbook.config.yaml'), config + '# edited\n');

    const second = await p.cli(['init']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/^wrote/m);
    expect(second.stdout).toMatch(/^skipped\s+runbook\.config\.yaml: exists/m);
    expect(second.stdout).toMatch(/^skipped\s+\.gitignore: already ignores/m);
    expect(await read(p.dir, 'runbook.config.yaml')).toBe(config + '# edited\n');
  });

  it('without migrations writes a check example; --migrations of a folder with none exits 2', async () => {
    const p = await project();
    const r = await p.cli(['init']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no migration folder found');
    expect(r.stdout).toContain('npx runbook run check-database');
    await loadProcedure(path.join(p.dir, 'procedures', 'check-database.yaml'));
    await mkdir(path.join(p.dir, 'empty'));
    const bad = await p.cli(['init', '--migrations', 'empty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--migrations: no migrations found under .*empty/);
  });
});

import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesAbsent } from '../src/actions/files-absent.js';
import { StepError } from '../src/errors.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import { adminUrl } from './support/database.js';

let dir: string;
let t: TestActionContext;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-files-'));
  const put = async (rel: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  };
  await put('migrations/001_base.sql', '-- revision: 001\nCREATE TABLE a (id int);\n');
  await put('migrations/versions/002_py.py', 'def upgrade():\n    op.create_table("b")\n');
  await put(
    'app/db.py',
    'from sqlmodel import SQLModel\n\ndef init_db():\n    SQLModel.metadata.create_all(engine)\n',
  );
  await put('app/notes.txt', 'metadata.create_all is mentioned here too\n');
  await put('app/node_modules/x/index.py', 'metadata.create_all()\n');
  await put('app/.git/hooks/x.py', 'metadata.create_all()\n');
  await put('app/blob.py', Buffer.from([0x00, 0x01, ...Buffer.from('metadata.create_all')]));
  t = await createActionContext({ url: adminUrl(), cwd: dir });
});
afterAll(async () => {
  await t?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function run(args: Record<string, unknown>) {
  return filesAbsent.run(t.ctx, filesAbsent.params.parse(args));
}

describe('files.absent', () => {
  it('passes when no file under the path matches, counting the files scanned', async () => {
    const res = await run({
      path: 'migrations',
      patterns: ['metadata.create_all', 'SQLModel.metadata'],
    });
    expect(res.output).toEqual({ files_scanned: 2, matches: 0 });
  });

  it('fails with FILES_PRESENT listing every file:line, skipping node_modules, .git and binaries', async () => {
    const err = await run({
      path: '.',
      patterns: ['metadata.create_all', 'SQLModel.metadata'],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepError);
    const e = err as StepError;
    expect(e.code).toBe('FILES_PRESENT');
    expect(e.fields.data?.matches).toEqual([
      {
        file: 'app/db.py',
        line: 4,
        pattern: 'metadata.create_all',
        text: 'SQLModel.metadata.create_all(engine)',
      },
      {
        file: 'app/db.py',
        line: 4,
        pattern: 'SQLModel.metadata',
        text: 'SQLModel.metadata.create_all(engine)',
      },
      {
        file: 'app/notes.txt',
        line: 1,
        pattern: 'metadata.create_all',
        text: 'metadata.create_all is mentioned here too',
      },
    ]);
    expect(e.message).toContain('app/db.py:4');
  });

  it('filters by suffix and supports re: patterns', async () => {
    const err = await run({
      path: 'app',
      patterns: [String.raw`re:create_all\(\w+\)`],
      include: ['*.py'],
    }).then(
      () => undefined,
      (e: unknown) => e as StepError,
    );
    expect(err?.fields.data?.matches).toEqual([
      {
        file: 'app/db.py',
        line: 4,
        pattern: String.raw`re:create_all\(\w+\)`,
        text: 'SQLModel.metadata.create_all(engine)',
      },
    ]);
    const ok = await run({ path: 'migrations', patterns: ['create_all'], include: ['.sql'] });
    expect(ok.output).toEqual({ files_scanned: 1, matches: 0 });
  });

  it('fails when nothing was scanned: an empty folder, or include matching no file', async () => {
    await mkdir(path.join(dir, 'empty'), { recursive: true });
    for (const args of [
      { path: 'empty', patterns: ['x'] },
      { path: 'app', patterns: ['metadata.create_all'], include: ['.sql'] },
    ]) {
      const err = await run(args).then(
        () => undefined,
        (e: unknown) => e as StepError,
      );
      expect(err?.code, JSON.stringify(args)).toBe('NOTHING_SCANNED');
      expect(err?.message).toContain('would prove nothing');
    }
  });

  it('follows symlinked files, and symlinked folders inside the path, each file once (hard links too)', async () => {
    await mkdir(path.join(dir, 'linked/models'), { recursive: true });
    await mkdir(path.join(dir, 'linked/sub'), { recursive: true });
    await writeFile(path.join(dir, 'linked/sub/a.sql'), 'SELECT 1;\n');
    await link(path.join(dir, 'linked/sub/a.sql'), path.join(dir, 'linked/sub/hard.sql'));
    // A file link leading anywhere; a folder link inside the tree (its files already seen), one
    // back into the folder being walked, one leading out of the tree, and one leading nowhere.
    await symlink(path.join(dir, 'app/db.py'), path.join(dir, 'linked/models/boot.py'));
    await symlink(path.join(dir, 'linked/sub'), path.join(dir, 'linked/more'));
    await symlink(path.join(dir, 'linked'), path.join(dir, 'linked/models/loop'));
    await symlink(path.join(dir, 'migrations'), path.join(dir, 'linked/out'));
    await mkdir(path.join(dir, 'linked/node_modules/x'), { recursive: true });
    await writeFile(path.join(dir, 'linked/node_modules/x/i.py'), 'metadata.create_all()\n');
    await symlink(path.join(dir, 'linked/node_modules'), path.join(dir, 'linked/deps'));
    await symlink(path.join(dir, 'missing.py'), path.join(dir, 'linked/models/gone.py'));
    const err = await run({ path: 'linked', patterns: ['metadata.create_all'] }).then(
      () => undefined,
      (e: unknown) => e as StepError,
    );
    expect(err?.code).toBe('FILES_PRESENT');
    expect(err?.fields.data).toMatchObject({
      files_scanned: 2,
      matches: [{ file: 'linked/models/boot.py', line: 4 }],
    });
    // A file first reached by a link whose name `include` refuses is scanned by its own name.
    await mkdir(path.join(dir, 'named/z'), { recursive: true });
    await writeFile(path.join(dir, 'named/z/models.py'), 'Base.metadata.create_all(e)\n');
    await symlink(path.join(dir, 'named/z/models.py'), path.join(dir, 'named/a_models'));
    const named = await run({
      path: 'named',
      patterns: ['metadata.create_all'],
      include: ['.py'],
    }).then(
      () => undefined,
      (e: unknown) => e as StepError,
    );
    expect(named?.fields.data).toMatchObject({ matches: [{ file: 'named/z/models.py' }] });
    const clean = await run({ path: 'linked', patterns: ['never-here'] });
    expect(clean.output).toEqual({
      files_scanned: 2,
      matches: 0,
      links_not_followed: ['linked/out'],
    });
  });

  it.runIf(existsSync('/proc/self/mem'))(
    'fails naming a file it cannot read, rather than skipping it',
    async () => {
      await mkdir(path.join(dir, 'unreadable'), { recursive: true });
      await writeFile(path.join(dir, 'unreadable/ok.py'), 'pass\n');
      // Reading a process's memory at offset 0 fails (EIO), even for root.
      await symlink('/proc/self/mem', path.join(dir, 'unreadable/mem.py'));
      const err = await run({ path: 'unreadable', patterns: ['x'] }).then(
        () => undefined,
        (e: unknown) => e as StepError,
      );
      expect(err?.code).toBe('FILE_NOT_READABLE');
      expect(err?.message).toMatch(/could not read unreadable\/mem\.py \(E[A-Z]+\)/);
    },
  );

  it('fails on a missing path rather than passing vacuously, and rejects a bad regex', async () => {
    const err = await run({ path: 'nowhere', patterns: ['x'] }).then(
      () => undefined,
      (e: unknown) => e as StepError,
    );
    expect(err?.code).toBe('PATH_NOT_FOUND');
    expect(filesAbsent.params.safeParse({ path: '.', patterns: ['re:(unclosed'] }).success).toBe(
      false,
    );
    expect(filesAbsent.params.safeParse({ path: '.', patterns: [] }).success).toBe(false);
  });
});

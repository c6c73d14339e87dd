import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { VERBS } from '../src/cli/verb-table.js';
import { REPO } from './support/cli.js';

/** Runs the CLI entry point in-process; returns its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (c: unknown) => ((stdout += String(c)), true),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (c: unknown) => ((stderr += String(c)), true),
  );
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Every option line of a verb's help: flag → its description (continuation lines joined). */
async function optionLines(verb: string): Promise<Map<string, string>> {
  const { stdout } = await cli([...verb.split(' '), '--help']);
  const section = stdout.split(/^Options:$/m)[1]!.split(/\n\n/)[0]!;
  const options = new Map<string, string>();
  let last: string | undefined;
  for (const line of section.split('\n')) {
    const m = /^ {2}(?:-\w, )?(--[\w-]+)(?: <[^>]+>| \[[^\]]+\])?\s*(.*)$/.exec(line);
    if (m) options.set((last = m[1]!), m[2]!.trim());
    else if (last && line.trim()) options.set(last, `${options.get(last)} ${line.trim()}`);
  }
  return options;
}

/** The RUNBOOK_* variables the source reads, but for the test suite's own hooks. */
function runbookVariables(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.name.endsWith('.ts'))
        for (const m of readFileSync(file, 'utf8').matchAll(/\bRUNBOOK_[A-Z_]+\b/g))
          names.add(m[0]);
    }
  };
  walk(path.join(REPO, 'src'));
  // RUNBOOK_TEST_*: crash and delay hooks of the tests; RUNBOOK_DATABASE_URL: what runbook
  // hands the Alembic bridge, not something it reads from the user.
  return [...names].filter((n) => !n.startsWith('RUNBOOK_TEST_') && n !== 'RUNBOOK_DATABASE_URL');
}

afterEach(() => vi.restoreAllMocks());

describe('--help carries the contract', () => {
  it('every option of every verb has a description', async () => {
    const name = (command: string): string => command.split(' ')[0]!;
    const verbs = VERBS.flatMap((v) =>
      v.subcommands
        ? v.subcommands.map((s) => `${name(v.command)} ${name(s.command)}`)
        : [name(v.command)],
    );
    for (const verb of verbs) {
      const options = await optionLines(verb);
      expect(options.size, verb).toBeGreaterThan(1);
      for (const [flag, description] of options)
        expect(description.length, `${verb} ${flag}`).toBeGreaterThan(8);
    }
  });

  it('offline verbs do not advertise --database-url; run and resume do', async () => {
    for (const verb of ['list', 'show', 'compile', 'runs', 'inspect', 'replay', 'report', 'init'])
      expect((await optionLines(verb)).has('--database-url'), verb).toBe(false);
    for (const verb of ['run', 'resume'])
      expect((await optionLines(verb)).has('--database-url'), verb).toBe(true);
  });

  it('run --help says what is required and lists the environment, exit codes and examples', async () => {
    const { code, stdout } = await cli(['run', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/DB_AUTHORITY and DB_ROLE .* are required/);
    const environment = stdout.split(/^Environment.*$/m)[1]!.split(/^Exit codes:$/m)[0]!;
    const variables = runbookVariables();
    expect(variables).toEqual(expect.arrayContaining(['RUNBOOK_PYTHON', 'RUNBOOK_LOCK_TIMEOUT']));
    for (const name of [...variables, 'DB_AUTHORITY', 'DB_ROLE', 'DATABASE_URL', 'NO_COLOR'])
      expect(environment, name).toMatch(new RegExp(`^ {2}${name}\\b`, 'm'));
    expect(stdout).toContain('FORCE_COLOR');
    for (const exit of [0, 1, 2, 3, 4])
      expect(stdout).toMatch(new RegExp(`^ {2}${exit} {2}\\S`, 'm'));
    const examples = stdout
      .split(/^Examples:$/m)[1]!
      .trim()
      .split('\n');
    expect(examples).toHaveLength(2);
    expect((await optionLines('run')).get('--no-color')).toContain('NO_COLOR');
  });

  it('bare runbook (and bare runbook fleet) prints the help on stderr and exits 2; an unknown verb exits 2', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: runbook');
    expect(bare.stdout).toBe('');
    expect((await cli(['deploy'])).code).toBe(2);
    const fleet = await cli(['fleet']);
    expect(fleet.code).toBe(2);
    expect(fleet.stderr).toContain('Usage: runbook fleet');
    expect(fleet.stdout).toBe('');
  });

  it('a reader that stops early (`runbook list | head -1`) ends it quietly, exit 0', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `node ${JSON.stringify(path.join(REPO, 'bin', 'runbook.cjs'))} list | head -1; exit \${PIPESTATUS[0]}`,
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it("the launcher's former name still starts it (npx keeps its old bin links)", () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'runbook.js'), 'bogus-verb'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'bogus-verb'");
  });

  it('--help and run --help load no verb module: no engine, xstate, kysely or pg', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-help-'));
    const log = path.join(dir, 'loaded.txt');
    // Preloaded: records every CommonJS module the process loads from a file (the launcher and
    // main.cjs are CommonJS; a verb bundle is run through vm.Script, which leaves a cache instead).
    await writeFile(
      path.join(dir, 'record.cjs'),
      `const { appendFileSync } = require('node:fs');
       const Module = require('node:module');
       const load = Module.prototype.load;
       Module.prototype.load = function (filename) {
         appendFileSync(${JSON.stringify(log)}, filename + '\\n');
         return load.call(this, filename);
       };
       process.on('exit', () => {
         const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule '));
         appendFileSync(${JSON.stringify(log)}, builtins.map((m) => 'node:' + m.slice(13) + '\\n').join(''));
       });`,
    );
    try {
      for (const args of [['--help'], ['run', '--help']]) {
        const r = spawnSync(
          process.execPath,
          [
            '--require',
            path.join(dir, 'record.cjs'),
            path.join(REPO, 'bin', 'runbook.cjs'),
            ...args,
          ],
          {
            cwd: REPO,
            encoding: 'utf8',
            // A verb bundle loaded (through vm.Script, unseen by record.cjs) would leave its cache here.
            env: { ...process.env, RUNBOOK_COMPILE_CACHE: path.join(dir, 'cache') },
          },
        );
        expect(r.status, r.stderr).toBe(0);
      }
      expect(existsSync(path.join(dir, 'cache'))).toBe(false);
      const loaded = readFileSync(log, 'utf8').trim().split('\n');
      expect(loaded.some((f) => f.endsWith('/dist/bin/main.cjs'))).toBe(true);
      // The CLI is bundled: what each loaded file of dist/bin holds is in the build's metafile.
      const meta = JSON.parse(
        readFileSync(path.join(REPO, 'dist', 'bin', 'meta.json'), 'utf8'),
      ) as {
        outputs: Record<string, { inputs: Record<string, unknown> }>;
      };
      const inputs = loaded
        .filter((f) => f.includes('/dist/bin/'))
        .flatMap((f) => {
          const output = path.relative(REPO, f);
          return Object.keys(meta.outputs[output]?.inputs ?? {});
        });
      expect(inputs.some((i) => i.includes('node_modules/commander/'))).toBe(true);
      // Nor the built-ins only some verbs use (a few milliseconds each to load).
      expect(loaded).toContain('node:fs');
      expect(loaded).not.toContain('node:crypto');
      expect(loaded).not.toContain('node:child_process');
      // `run`'s head start for the Alembic bridge (a spawn and a few file checks) is in the
      // launcher on purpose; nothing else of the migrations.
      const headStart = new Set([
        'src/migrations/layouts/alembic/bridge-prestart.ts',
        'src/migrations/layouts/alembic/bridge-python.ts',
      ]);
      const heavy = inputs.filter(
        (i) =>
          !headStart.has(i) &&
          /node_modules\/(pg|kysely|xstate|zod|yaml|libpg-query|graphile-worker)\/|^src\/(engine|actions|migrations|fleet|cli\/verbs)\//.test(
            i,
          ),
      );
      expect(heavy).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

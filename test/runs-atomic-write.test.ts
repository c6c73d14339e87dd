import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/runs/write-file-atomic.js';

/*
 * A child node process runs the real writeFileAtomic (the TypeScript source transpiled as is)
 * and is SIGKILLed mid-write; the target must then hold the old or the new content, never a mix.
 */

let dir: string;
let childScript: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'runbook-atomic-'));
  const source = readFileSync(
    path.join(import.meta.dirname, '../src/runs/write-file-atomic.ts'),
    'utf8',
  );
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(path.join(dir, 'write-file-atomic.mjs'), js);
  childScript = path.join(dir, 'child.mjs');
  writeFileSync(
    childScript,
    `import { writeFileAtomic, writeFileAtomicSync } from './write-file-atomic.mjs';
const [target, mode, size] = process.argv.slice(2);
const content = 'B'.repeat(Number(size)) + '\\nNEW-END\\n';
process.stdout.write('go\\n');
if (mode === 'sync') writeFileAtomicSync(target, content);
else await writeFileAtomic(target, content);
process.stdout.write('done\\n');
`,
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const OLD = 'A'.repeat(1000) + '\nOLD-END\n';

function newContent(size: number): string {
  return 'B'.repeat(size) + '\nNEW-END\n';
}

interface Child {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
  started: Promise<void>;
}

function runChild(target: string, mode: 'sync' | 'async', size: number, delayMs: number): Child {
  const env = { ...process.env, RUNBOOK_TEST_CHECKPOINT_DELAY_MS: String(delayMs) };
  const child = spawn(process.execPath, [childScript, target, mode, String(size)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('go')) resolve();
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { exited, started, kill: () => child.kill('SIGKILL') };
}

function tempFiles(target: string): string[] {
  const base = path.basename(target);
  return readdirSync(path.dirname(target)).filter((f) => f.startsWith(`.${base}.tmp-`));
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const target = path.join(dir, 'plain.json');
    writeFileSync(target, OLD);
    await writeFileAtomic(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(tempFiles(target)).toEqual([]);
  });

  for (const mode of ['async', 'sync'] as const) {
    it(`(${mode}) a SIGKILL between temp write and rename leaves the old file intact`, async () => {
      const target = path.join(dir, `killed-${mode}.json`);
      writeFileSync(target, OLD);
      const size = 2_000_000;
      const child = runChild(target, mode, size, 10_000);
      // Wait until the temp file is complete: the child is now sleeping in the delay window.
      await waitFor(() => {
        const temp = tempFiles(target)[0];
        return temp !== undefined && statSync(path.join(dir, temp)).size === size + 9;
      }, 20_000);
      child.kill();
      expect((await child.exited).signal).toBe('SIGKILL');
      expect(readFileSync(target, 'utf8')).toBe(OLD);
      expect(tempFiles(target)).toHaveLength(1);
    });

    it(`(${mode}) with the delay and no kill, the new content lands whole`, async () => {
      const target = path.join(dir, `slow-${mode}.json`);
      writeFileSync(target, OLD);
      const child = runChild(target, mode, 10_000, 200);
      expect((await child.exited).code).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe(newContent(10_000));
      expect(tempFiles(target)).toEqual([]);
    });
  }

  it('kills at random moments of a large write never leave a partial file', async () => {
    const size = 16_000_000;
    // Kill times span the whole write (temp write, fsync, rename), so both outcomes occur.
    for (let i = 0; i < 8; i++) {
      const target = path.join(dir, `random-${i}.json`);
      writeFileSync(target, OLD);
      const child = runChild(target, i % 2 ? 'sync' : 'async', size, 0);
      await child.started;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 250)));
      child.kill();
      await child.exited;
      const content = readFileSync(target, 'utf8');
      if (content !== OLD) {
        expect(content.length).toBe(size + 9);
        expect(content === newContent(size)).toBe(true);
      }
    }
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMED_STEP_ERROR_CODES, StepError } from '../src/errors.js';

const SRC = path.join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

describe('step error codes', () => {
  it('every literal code runbook fails a step with is a named code or a SQLSTATE', () => {
    const named = new Set<string>(NAMED_STEP_ERROR_CODES);
    const unknown: string[] = [];
    let seen = 0;
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      // A subclass of StepError passes its code to super().
      const calls = text.includes('extends StepError')
        ? /(?:new StepError|super)\(\s*(sqlState\(\s*)?'([^']*)'/g
        : /new StepError\(\s*(sqlState\(\s*)?'([^']*)'/g;
      for (const m of text.matchAll(calls)) {
        seen++;
        const code = m[2] ?? '';
        const ok = m[1] ? /^[0-9A-Z]{5}$/.test(code) : named.has(code) || code.startsWith('AUDIT_');
        if (!ok) unknown.push(`${path.relative(SRC, file)}: ${code}`);
      }
    }
    expect(seen).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });

  it('a custom action may fail its step with a code of its own', () => {
    const err = new StepError('MY_OWN_CODE', 'custom failure', { hint: 'h' }, { cause: 'x' });
    expect(err.code).toBe('MY_OWN_CODE');
    expect(err.cause).toBe('x');
  });
});

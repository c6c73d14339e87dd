import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { actionNames, actions } from '../src/actions/index.js';

const run = promisify(execFile);

/** What `npm run docs` writes, from the built registry (`dist/`; `npm test` builds first). */
async function generated(): Promise<string> {
  const { stdout } = await run(process.execPath, ['scripts/actions-doc.mjs', '--stdout']);
  return stdout;
}

describe('docs/actions.md', () => {
  it('is committed up to date (regenerate with `npm run docs`)', async () => {
    const committed = await readFile('docs/actions.md', 'utf8').catch(() => '');
    expect(committed === (await generated()), 'docs/actions.md is stale: run `npm run docs`').toBe(
      true,
    );
  });

  it('names every action with its summary and every key of its `with:`', async () => {
    const text = await generated();
    for (const name of actionNames) {
      const action = actions.get(name)!;
      const section = text.split(`\n## ${name}\n`)[1]?.split('\n## ')[0];
      expect(section, name).toBeDefined();
      expect(section).toContain(action.summary);
      expect(section).toContain(`Writes: ${action.writes ? 'yes' : 'no'}.`);
      const shape = (action.params as unknown as { shape?: Record<string, unknown> }).shape;
      expect(shape, `${name} params are an object`).toBeDefined();
      for (const key of Object.keys(shape!)) expect(section).toContain(`| \`${key}\` |`);
    }
  });
});

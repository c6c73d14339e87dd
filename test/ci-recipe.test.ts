import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { main } from '../src/cli/main.js';
import { loadProcedure } from '../src/procedure/load-procedure.js';

const REPO = path.resolve(import.meta.dirname, '..');
const RECIPE = path.join(REPO, 'examples', 'ci', 'github-actions.yml');
const DOC = path.join(REPO, 'README.md');
const DOCS = path.join(REPO, 'docs');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
  'continue-on-error'?: unknown;
}

/** Runs the real CLI entry point with `--help` and returns what it printed on stdout. */
async function help(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await main([...args, '--help'])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** Verbs of the CLI, read from its own help. */
async function verbs(): Promise<Set<string>> {
  const text = await help([]);
  const section = text.split(/^Commands:$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));
}

/** A verb's options (name → whether it takes a value), read from its help. */
async function options(verb: string): Promise<Map<string, boolean>> {
  const text = await help([verb]);
  const map = new Map<string, boolean>();
  for (const m of text.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)( [<[])?/gm))
    map.set(m[1]!, Boolean(m[2]));
  return map;
}

/** Shell-ish words of a command line (single and double quotes; no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Every `runbook …` / `npx runbook …` invocation in a block of shell. */
function invocations(script: string): string[][] {
  const out: string[][] = [];
  const joined = script.replace(/\\\n/g, ' ');
  for (const piece of joined.split(/\n|&&|\|\||;/)) {
    const w = words(piece.trim());
    const at = w.findIndex((x) => x === 'runbook');
    if (at >= 0 && (at === 0 || w[at - 1] === 'npx')) out.push(w.slice(at + 1));
  }
  return out;
}

/** Problems with one invocation: unknown verb or flag, missing procedure, undeclared param. */
async function check(args: string[], known: Set<string>): Promise<string[]> {
  const [verb, ...rest] = args;
  if (!verb || !known.has(verb)) return [`unknown verb "${verb}" in: runbook ${args.join(' ')}`];
  const opts = await options(verb);
  const problems: string[] = [];
  const positional: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (!w.startsWith('--')) {
      positional.push(w);
      continue;
    }
    const [flag, inline] = w.split('=', 2) as [string, string | undefined];
    if (!opts.has(flag)) {
      problems.push(`runbook ${verb} has no flag ${flag}`);
      continue;
    }
    if (opts.get(flag) && inline === undefined) {
      const value = rest[++i];
      if (value === undefined) problems.push(`${flag} needs a value`);
      if (flag === '--param' && value) params.push(value.split('=')[0]!);
    }
  }
  if (verb === 'run') {
    const name = positional[0];
    const file = path.join(REPO, 'procedures', `${name}.yaml`);
    if (!name || !existsSync(file)) {
      problems.push(`procedure ${name} does not exist in procedures/`);
    } else {
      const procedure = await loadProcedure(file);
      for (const p of params)
        if (!(p in procedure.params)) problems.push(`procedure ${name} declares no param ${p}`);
    }
  }
  return problems;
}

afterEach(() => vi.restoreAllMocks());

describe('CI recipe examples/ci/github-actions.yml', () => {
  const doc = parse(readFileSync(RECIPE, 'utf8')) as {
    jobs: Record<
      string,
      { services?: Record<string, { image?: string }>; env?: Record<string, string>; steps: Step[] }
    >;
  };
  const job = Object.values(doc.jobs)[0]!;

  it('is a job with a postgres:17 service, Node 20, npm ci and the authority declared', () => {
    expect(job.services?.postgres?.image).toBe('postgres:17');
    expect(job.env).toMatchObject({ DB_AUTHORITY: 'local', DB_ROLE: 'staging' });
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    expect(job.steps.some((s) => s.run?.trim() === 'npm ci')).toBe(true);
  });

  it('runs two-path-ci by name and lets a non-zero exit fail the job', () => {
    const step = job.steps.find((s) => s.run?.includes('runbook run'));
    expect(step).toBeDefined();
    expect(invocations(step!.run!)[0]?.slice(0, 2)).toEqual(['run', 'two-path-ci']);
    expect(step!.run).toContain(
      '--database-url postgresql://postgres:postgres@localhost:5432/postgres',
    );
    // Nothing swallows the exit code.
    expect(step!['continue-on-error']).toBeUndefined();
    expect(step!.if).toBeUndefined();
    expect(step!.run).not.toMatch(/\|\||; *true|set \+e/);
  });

  it('always writes the HTML report and uploads it with the run directory', () => {
    const report = job.steps.find((s) => s.run?.includes('runbook report'));
    expect(report?.if).toBe('always()');
    const reportArgs = invocations(report!.run!)[0]!;
    const file = reportArgs[reportArgs.indexOf('--html') + 1];
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.if).toBe('always()');
    const paths = String(upload?.with?.path)
      .split('\n')
      .map((p) => p.trim());
    expect(paths).toContain('runs/');
    expect(paths).toContain(file);
  });

  it('uses only verbs, flags, procedures and params that exist', async () => {
    const known = await verbs();
    expect(known).toContain('report');
    const calls = job.steps.flatMap((s) => (s.run ? invocations(s.run) : []));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const problems = (await Promise.all(calls.map((c) => check(c, known)))).flat();
    expect(problems).toEqual([]);
  });

  it('the checker itself rejects unknown verbs, flags, procedures and params', async () => {
    const known = await verbs();
    expect(await check(['deploy', 'x'], known)).toEqual([
      'unknown verb "deploy" in: runbook deploy x',
    ]);
    expect(await check(['report', 'last', '--pdf', 'x'], known)).toEqual([
      'runbook report has no flag --pdf',
    ]);
    expect(await check(['run', 'no-such-procedure'], known)).toEqual([
      'procedure no-such-procedure does not exist in procedures/',
    ]);
    expect(await check(['run', 'two-path-ci', '--param', 'nope=1'], known)).toEqual([
      'procedure two-path-ci declares no param nope',
    ]);
  });
});

/** The `runbook …` calls in a markdown file's shell blocks. */
function documentedCalls(file: string): string[][] {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap(invocations);
}

describe('every runbook command in the README (walkthrough, CI recipe) and docs/', () => {
  it('uses only verbs, flags, procedures and params that exist', async () => {
    const readme = documentedCalls(DOC);
    expect(readme.map((c) => c[0])).toEqual(expect.arrayContaining(['run', 'report']));
    const docs = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .flatMap((f) => documentedCalls(path.join(DOCS, f)));
    const known = await verbs();
    const problems = (await Promise.all([...readme, ...docs].map((c) => check(c, known)))).flat();
    expect(problems).toEqual([]);
  });
});

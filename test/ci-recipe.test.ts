import { spawnSync } from 'node:child_process';
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
    const npx = w.slice(0, at).filter((x) => x !== '--no-install');
    if (at >= 0 && (npx.length === 0 || (npx.length === 1 && npx[0] === 'npx')))
      out.push(w.slice(at + 1));
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

interface ActionFile {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  runs: { using: string; steps: (Step & { shell?: string; env?: Record<string, string> })[] };
}

const ACTION = path.join(REPO, 'action.yml');

/** The shell scripts of the action's steps. */
function actionScripts(action: ActionFile): string[] {
  return action.runs.steps.flatMap((s) => (s.run ? [s.run] : []));
}

describe('the GitHub Action action.yml', () => {
  const action = parse(readFileSync(ACTION, 'utf8')) as ActionFile;

  it('is a composite action taking the procedure, params, database URL, authority and role', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.procedure?.required).toBe(true);
    for (const input of ['params', 'database-url', 'authority', 'role'])
      expect(action.inputs[input]?.required, input).toBe(false);
    for (const [name, input] of Object.entries(action.inputs))
      expect(input.description.length, name).toBeGreaterThan(10);
  });

  it('passes inputs through env only (never spliced into a script) and its scripts parse', () => {
    const names = new Set(Object.keys(action.inputs));
    for (const step of action.runs.steps) {
      if (!step.run) continue;
      expect(step.shell).toBe('bash');
      expect(step.run).not.toContain('${{');
      for (const value of Object.values(step.env ?? {})) {
        const used = [...value.matchAll(/\$\{\{ inputs\.([\w-]+) \}\}/g)].map((m) => m[1]!);
        for (const u of used) expect(names, u).toContain(u);
      }
    }
    for (const script of actionScripts(action)) {
      const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      expect(syntax.status, syntax.stderr).toBe(0);
    }
  });

  it('runs the procedure with flags `runbook run` has; replay, report and upload always run', async () => {
    const [run, replay, report, upload] = action.runs.steps;
    expect(run!.if).toBeUndefined();
    expect(run!.run).toContain('npx --no-install runbook "${args[@]}"');
    const runFlags = await options('run');
    const used = [...run!.run!.matchAll(/(--[a-z][\w-]*)/g)].map((m) => m[1]!);
    expect(used.filter((f) => f !== '--no-install')).toEqual(
      expect.arrayContaining(['--param', '--database-url', '--authority', '--role', '--runs-dir']),
    );
    for (const flag of used.filter((f) => f !== '--no-install'))
      expect(runFlags.has(flag), flag).toBe(true);
    expect(replay!.if).toBe('always()');
    expect(replay!.run).toContain('runbook replay last');
    expect(report!.if).toBe('always()');
    expect(report!.run).toContain('runbook report last');
    expect(report!.run).toContain('--html "$RUNBOOK_IN_REPORT"');
    expect(upload!.if).toBe('always()');
    expect(upload!.uses).toMatch(/^actions\/upload-artifact@/);
    const paths = String(upload!.with!.path).trim().split('\n');
    expect(paths.map((p) => p.trim())).toEqual([
      '${{ inputs.working-directory }}/${{ inputs.runs-dir }}/',
      '${{ inputs.working-directory }}/${{ inputs.report }}',
    ]);
  });

  it('ships in the package', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      files: string[];
    };
    expect(manifest.files).toEqual(expect.arrayContaining(['action.yml', 'procedures']));
  });
});

describe('CI recipe examples/ci/github-actions.yml', () => {
  const doc = parse(readFileSync(RECIPE, 'utf8')) as {
    jobs: Record<
      string,
      { services?: Record<string, { image?: string }>; env?: Record<string, string>; steps: Step[] }
    >;
  };
  const job = Object.values(doc.jobs)[0]!;
  const action = parse(readFileSync(ACTION, 'utf8')) as ActionFile;

  it('is a job with a postgres:17 service, Node 20 and npm ci before the action', () => {
    expect(job.services?.postgres?.image).toBe('postgres:17');
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    const install = job.steps.findIndex((s) => s.run?.trim() === 'npm ci');
    const uses = job.steps.findIndex((s) => s.uses === './node_modules/runbook');
    expect(install).toBeGreaterThan(0);
    expect(uses).toBeGreaterThan(install);
  });

  it('uses the action with inputs it declares, a procedure and params that exist', async () => {
    const step = job.steps.find((s) => s.uses === './node_modules/runbook')!;
    const given = step.with ?? {};
    for (const key of Object.keys(given)) expect(Object.keys(action.inputs), key).toContain(key);
    for (const [name, input] of Object.entries(action.inputs))
      if (input.required) expect(given, name).toHaveProperty(name);
    expect(given).toMatchObject({ authority: 'local', role: 'staging' });
    // Nothing swallows the exit code.
    expect(step['continue-on-error']).toBeUndefined();
    expect(step.if).toBeUndefined();
    const procedure = await loadProcedure(
      path.join(REPO, 'procedures', `${String(given.procedure)}.yaml`),
    );
    const params = String(given.params).trim().split('\n');
    expect(params.length).toBeGreaterThan(0);
    for (const p of params) expect(Object.keys(procedure.params)).toContain(p.split('=')[0]);
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

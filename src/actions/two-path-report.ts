import * as z from 'zod';
import type { CatalogDiff } from '../catalog/diff-types.js';
import { StepError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { LoggedEvent } from '../step-context.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    path_a: z.array(z.string()).min(1).describe('Step ids of Path A (clean upgrade from empty)'),
    path_b: z.array(z.string()).min(1).describe('Step ids of Path B (ORM bootstrap + stamp)'),
    bootstrap_steps: z
      .array(z.string())
      .default([])
      .describe('Path B steps that run the ORM bootstrap'),
    stamp_steps: z
      .array(z.string())
      .default([])
      .describe('Path B steps that stamp and verify the stamp'),
    diff_step: z.string().describe('The schema.diff step comparing the two databases'),
  })
  .describe('report.two-path arguments');

/** The three guards of the two-path migration contract (runbook DB-AUTH-001). */
export const TWO_PATH_GUARDS = {
  missingCreate: 'missing CREATE TABLE migration for an ORM-owned table',
  nonIdempotent: 'a migration that fails on pre-existing objects',
  stamp: 'a stamp that did not commit',
} as const;

interface Finding {
  path: 'A' | 'B' | 'both';
  guard: string;
  what: string;
}

const MISSING = new Set(['42P01', '42703', '42704']);
const DUPLICATE = new Set(['42P07', '42701', '42710', '42P06', '42723']);

function classifyFailure(
  pathName: 'A' | 'B',
  step: string,
  f: JsonObject,
  stampSteps: string[],
  bootstrapSteps: string[],
): Finding {
  const code = String(f.code);
  const what = `${step}: ${code} ${String(f.message)}${f.migration ? ` (migration ${String(f.migration)})` : ''}${f.diagnosis ? ` — ${String(f.diagnosis)}` : ''}`;
  if (stampSteps.includes(step)) return { path: pathName, guard: TWO_PATH_GUARDS.stamp, what };
  if (DUPLICATE.has(code)) return { path: pathName, guard: TWO_PATH_GUARDS.nonIdempotent, what };
  if (MISSING.has(code) && pathName === 'A')
    return { path: pathName, guard: TWO_PATH_GUARDS.missingCreate, what };
  if (bootstrapSteps.includes(step))
    return { path: pathName, guard: 'the ORM bootstrap itself failed', what };
  return { path: pathName, guard: `Path ${pathName} failed`, what };
}

function classifyDiff(diff: CatalogDiff): Finding[] {
  return diff.objects.map((o) => {
    if (o.kind === 'table' && o.status === 'only-right') {
      return {
        path: 'both',
        guard: TWO_PATH_GUARDS.missingCreate,
        what: `table ${o.name} exists after the ORM bootstrap but no migration creates it`,
      };
    }
    if (o.kind === 'table' && o.status === 'only-left') {
      return {
        path: 'both',
        guard: 'migrations and ORM models disagree',
        what: `table ${o.name} is created by migrations but not by the ORM bootstrap`,
      };
    }
    const parts = o.changes
      .map(
        (c) =>
          `${c.part}${c.name ? ` ${c.name}` : ''} ${c.status}${c.field ? ` (${c.field}: ${JSON.stringify(c.left)} vs ${JSON.stringify(c.right)})` : ''}`,
      )
      .join('; ');
    return {
      path: 'both',
      guard: 'migrations and ORM models disagree',
      what: `${o.kind} ${o.name} ${o.status}${parts ? `: ${parts}` : ''}`,
    };
  });
}

type StepOutcome = { type: string; data: JsonObject };
type PathStatus = 'succeeded' | 'failed' | 'incomplete';

/** Each step's last outcome (`step.succeeded` or `step.failed`) in the run's log. */
function lastOutcomes(entries: readonly LoggedEvent[]): Map<string, StepOutcome> {
  const last = new Map<string, StepOutcome>();
  for (const e of entries) {
    if (e.step && (e.type === 'step.succeeded' || e.type === 'step.failed')) {
      last.set(e.step, { type: e.type, data: (e.data ?? {}) as JsonObject });
    }
  }
  return last;
}

/** A finding for each failed step of Path A, then of Path B. */
function pathFailures(last: Map<string, StepOutcome>, p: z.infer<typeof params>): Finding[] {
  const findings: Finding[] = [];
  for (const [name, steps] of [
    ['A', p.path_a],
    ['B', p.path_b],
  ] as const) {
    for (const s of steps) {
      const e = last.get(s);
      if (e?.type === 'step.failed') {
        findings.push(
          classifyFailure(
            name,
            s,
            (e.data.failure ?? {}) as JsonObject,
            p.stamp_steps,
            p.bootstrap_steps,
          ),
        );
      }
    }
  }
  return findings;
}

/** The report's text lines: the verdict, each path's status, the comparison and the findings. */
function reportLines(
  verdict: string,
  a: PathStatus,
  b: PathStatus,
  diff: CatalogDiff | undefined,
  findings: Finding[],
): string[] {
  return [
    `Two-path migration check: ${verdict}`,
    `  Path A (clean DB, upgrade from empty):     ${a}`,
    `  Path B (ORM bootstrap, then stamp head):   ${b}`,
    `  Schemas equal (version table aside):       ${diff ? (diff.equal ? 'yes' : `no — ${diff.summary.differences} difference(s)`) : 'not compared'}`,
    ...(findings.length ? ['', 'Findings (guard that caught it: what):'] : []),
    ...findings.map(
      (f) => `  - [${f.guard}] ${f.path === 'both' ? '' : `Path ${f.path}: `}${f.what}`,
    ),
  ];
}

/**
 * `report.two-path`: the verdict of the two-path CI check. Reads this run's log and the schema
 * diff artifact, names every difference and failure, and says which guard of the two-path
 * contract caught it (missing CREATE TABLE migration for an ORM-owned table; a migration failing
 * on pre-existing objects; a stamp that did not commit). Writes `two-path-report.txt/.json`;
 * fails with `TWO_PATH_FAILED` unless both paths succeeded and the schemas are equal.
 */
export const twoPathReport = defineAction({
  name: 'report.two-path',
  summary: 'Verdict of the two-path migration check, naming the guard that caught each problem',
  params,
  writes: false,
  async run(ctx, p) {
    const entries = await ctx.readLog();
    const last = lastOutcomes(entries);
    const status = (steps: string[]): PathStatus =>
      steps.every((s) => last.get(s)?.type === 'step.succeeded')
        ? 'succeeded'
        : steps.some((s) => last.get(s)?.type === 'step.failed')
          ? 'failed'
          : 'incomplete';
    const findings = pathFailures(last, p);
    let diff: CatalogDiff | undefined;
    try {
      const text = await ctx.readArtifact(`schema-diff-${p.diff_step}.json`);
      if (text === undefined) throw new Error('missing');
      diff = JSON.parse(text) as CatalogDiff;
      findings.push(...classifyDiff(diff));
    } catch {
      // No diff artifact: the paths did not both finish, so no comparison was made.
    }
    const a = status(p.path_a);
    const b = status(p.path_b);
    const verdict =
      a === 'succeeded' && b === 'succeeded' && diff?.equal === true ? 'PASS' : 'FAIL';
    const lines = reportLines(verdict, a, b, diff, findings);
    const text = lines.join('\n') + '\n';
    await ctx.writeArtifact('two-path-report.txt', text);
    await ctx.writeArtifact(
      'two-path-report.json',
      JSON.stringify(
        { verdict, path_a: a, path_b: b, equal: diff?.equal ?? null, findings },
        null,
        2,
      ) + '\n',
    );
    for (const l of lines) ctx.progress(l);
    if (verdict === 'FAIL') {
      throw new StepError(
        'TWO_PATH_FAILED',
        `two-path check failed: ${findings.length} finding(s); see artifacts/two-path-report.txt`,
        {
          data: { findings: findings as unknown as JsonObject[] } as unknown as JsonObject,
        },
      );
    }
    return {
      output: { verdict, path_a: a, path_b: b },
      summary: 'both paths succeeded and produce the same schema',
    };
  },
});

import path from 'node:path';
import { procedureArtifact } from '../runs/artifact-names.js';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import {
  analyzeMigrationSql,
  type DestructiveStatement,
} from '../catalog/analyze-migration-sql.js';
import { StepError } from '../errors.js';
import type { JsonObject } from '../json.js';
import {
  appliedSet,
  loadMigrationSource,
  planUpgrade,
  resolveTarget,
  RevisionGraph,
} from '../migrations/index.js';
import { migrationLayoutParam } from './migration-layout-param.js';
import { migrationSourceProblems } from './migration-preflight.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    source: z.string().min(1).describe('Migration history folder'),
    layout: migrationLayoutParam,
    database: z
      .string()
      .min(1)
      .optional()
      .describe('Database whose version table decides what would run'),
    target: z.string().min(1).default('head'),
    baseline: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Revision an unstamped database will be stamped at (its ancestors count as applied)',
      ),
    allow: z
      .array(z.string().min(1))
      .default([])
      .describe('Revisions explicitly allowed to be destructive'),
    check_procedure: z
      .boolean()
      .default(true)
      .describe("Also check the procedure's own inline SQL"),
  })
  .describe('migrations.check-destructive arguments');

interface Finding extends DestructiveStatement {
  where: string;
}

/**
 * `migrations.check-destructive`: finds DROP TABLE / DROP SCHEMA / TRUNCATE (and other
 * destructive statements) with PostgreSQL's own parser in every migration that would run against
 * the database (its version table, or the baseline it is about to be stamped at, decides which)
 * and in the procedure's own inline SQL. Any not explicitly allowed refuses the run with
 * `DESTRUCTIVE_STATEMENT` (exit 3) naming file, line and statement. Reads only.
 */
export const migrationsCheckDestructive = defineAction({
  name: 'migrations.check-destructive',
  summary: 'Refuse destructive statements (DROP TABLE/SCHEMA, TRUNCATE) in what would run',
  params,
  writes: false,
  async run(ctx, p) {
    const source = await loadMigrationSource(path.resolve(ctx.cwd, p.source), p.layout);
    const graph = new RevisionGraph(await source.list());
    const database = p.database ?? ctx.db.maintenanceDatabase;
    const rows = await ctx.db.withClient(database, (c) => source.versionTable.read(c));
    const applied =
      rows && rows.length > 0
        ? appliedSet(graph, rows)
        : p.baseline
          ? appliedSet(graph, resolveTarget(graph, p.baseline))
          : new Set<string>();
    const plan = planUpgrade(graph, applied, p.target);
    const findings: Finding[] = [];
    const allowed: Finding[] = [];
    for (const m of plan) {
      const sql = await source.upgradeSql(m);
      for (const d of (await analyzeMigrationSql(sql)).destructive) {
        const f = {
          ...d,
          where: `migration ${m.revision} (${path.relative(ctx.cwd, m.file)}:${d.line})`,
        };
        (p.allow.includes(m.revision) ? allowed : findings).push(f);
      }
    }
    if (p.check_procedure) {
      const text = (await ctx.readArtifact(procedureArtifact()).catch(() => undefined)) ?? '';
      const doc = (text ? parseYaml(text) : {}) as { steps?: unknown[]; finally?: unknown[] };
      const steps = [...(doc.steps ?? []), ...(doc.finally ?? [])] as {
        id?: string;
        do?: string;
        with?: { sql?: unknown };
      }[];
      for (const s of steps) {
        if (s.do === 'sql.exec' && typeof s.with?.sql === 'string' && !s.with.sql.includes('${{')) {
          for (const d of (await analyzeMigrationSql(s.with.sql)).destructive) {
            findings.push({
              ...d,
              where: `procedure step ${s.id ?? '?'} (line ${d.line} of its sql)`,
            });
          }
        }
      }
    }
    const list = (fs: Finding[]) => fs.map((f) => `${f.kind} ${f.target} in ${f.where}`);
    if (findings.length > 0) {
      throw new StepError(
        'DESTRUCTIVE_STATEMENT',
        `refusing: ${findings.length} destructive statement(s) would run: ${list(findings).join('; ')}`,
        {
          hint: 'remove them, or allow a reviewed migration explicitly (allow: [<revision>])',
          statement: findings[0]?.statement,
          data: { findings: findings as unknown as JsonObject[] } as unknown as JsonObject,
        },
      );
    }
    for (const a of list(allowed)) ctx.progress(`allowed: ${a}`);
    return {
      output: {
        checked: plan.length,
        pending: plan.map((m) => m.revision),
        allowed: list(allowed),
      },
      summary: `${plan.length} pending migration(s) checked: no destructive statement${allowed.length ? ` (${allowed.length} explicitly allowed)` : ''}`,
    };
  },
  preflight: (p, ctx) =>
    migrationSourceProblems(
      {
        source: p.source,
        layout: p.layout,
        targets: [p.target, ...(p.baseline ? [p.baseline] : [])],
      },
      ctx,
    ),
});

import * as z from 'zod';
import type { AuditComparison, AuditRecord } from '../catalog/audit.js';
import { readVersion } from '../catalog/read-version.js';
import { StepError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { ActionContext } from './types.js';
import { defineAction } from './types.js';
import { connectableDatabaseName } from './database-name.js';

const Label = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
const Params = z.object({
  label: Label.describe('Audit name, e.g. dev or prod: writes <label>-summary.txt'),
  database: connectableDatabaseName.optional(),
  url: z
    .string()
    .min(1)
    .nullish()
    .describe('Another server to audit (a secret: never written, recorded redacted)'),
  compare_with: Label.nullish().describe('Label of an earlier audit of this run'),
  max_distance: z.number().int().nonnegative().default(5),
  source: z.string().min(1).nullish().describe('Migration source (picks the version table)'),
  layout: z.string().nullish(),
  fail_on: z
    .array(z.enum(['MISMATCH', 'MISSING']))
    .default([])
    .describe('Diagnoses that fail the step (the deploy guard: [MISMATCH, MISSING])'),
});

/** What to do about a failing diagnosis (the deploy guard's message, runbook 004). */
const REMEDIATION: Record<string, string> = {
  MISSING:
    'Remediation: stamp it at the baseline revision once with `runbook run prod-stamp` (idempotent, never destructive), then run the guard again',
  MISMATCH:
    'Remediation: bring the schemas together through migrations (`runbook run prod-stamp` upgrades prod to head), review the *-vs-*-diagnosis.txt artifact, and do not approve any deploy plan that shows DROP TABLE statements',
};

async function earlierAudit(ctx: ActionContext, label: string): Promise<AuditRecord> {
  const shared = ctx.shared.get(`audit:${label}`) as AuditRecord | undefined;
  if (shared) return shared;
  try {
    const text = await ctx.readArtifact(`${label}-audit.json`);
    if (text === undefined) throw new Error('missing');
    return JSON.parse(text) as AuditRecord;
  } catch {
    throw new StepError('AUDIT_MISSING', `no audit labelled "${label}" earlier in this run`, {
      hint: 'run db.audit with that label before comparing',
    });
  }
}

/**
 * `db.audit`: the deploy-guard summary of one database (current database and user, search_path,
 * tables per schema, version row) written as `<label>-summary.txt` (and `<label>-audit.json`).
 * With `compare_with`, compares it with an earlier audit of the run: `OK`, `MISMATCH` (with the
 * schema distance and whether it exceeds `max_distance`) or `MISSING` (no version table), written
 * to `<compare_with>-vs-<label>-diagnosis.txt`; diagnoses listed in `fail_on` fail the step with
 * `AUDIT_<DIAGNOSIS>`. Output `{ diagnosis, distance, version }`. Read-only.
 */
export const dbAudit = defineAction({
  name: 'db.audit',
  summary: 'Audit a database (tables, version row) and diagnose OK / MISMATCH / MISSING',
  params: Params,
  writes: false,
  async run(ctx, p) {
    // Loaded on use: the catalog pulls in kysely and a connection of its own node-postgres, which
    // `list`/`show` never need.
    const [{ auditIdentity, compareAudits, formatAuditSummary }, { catalogDb }, { Connections }] =
      await Promise.all([
        import('../catalog/audit.js'),
        import('../catalog/catalog-db.js'),
        import('../postgres/connections.js'),
      ]);
    const own = p.url
      ? new Connections(p.url, { applicationName: 'runbook-audit', max: 2 })
      : undefined;
    const conn = own ?? ctx.db;
    let record: AuditRecord;
    try {
      const database = p.database ?? conn.maintenanceDatabase;
      if (own) await ctx.log('audit.target', { label: p.label, url: own.redactedUrl, database });
      const [who, version] = await Promise.all([
        auditIdentity(catalogDb(conn.pool(database))),
        readVersion(
          conn,
          database,
          p.source ? { dir: p.source, cwd: ctx.cwd, layout: p.layout ?? undefined } : undefined,
        ),
      ]);
      record = {
        label: p.label,
        database: who.database,
        user: who.user,
        search_path: who.search_path,
        tables: who.tables,
        version_table: version.table,
        version: version.rows,
        generated_at: new Date().toISOString(),
      };
    } finally {
      await own?.end();
    }
    ctx.shared.set(`audit:${p.label}`, record);
    await ctx.writeArtifact(`${p.label}-summary.txt`, formatAuditSummary(record));
    await ctx.writeArtifact(`${p.label}-audit.json`, JSON.stringify(record, null, 2) + '\n');
    const tables = Object.values(record.tables).reduce((n, t) => n + t.length, 0);
    let comparison: AuditComparison | undefined;
    if (p.compare_with) {
      comparison = compareAudits(await earlierAudit(ctx, p.compare_with), record, p.max_distance);
      await ctx.writeArtifact(
        `${p.compare_with}-vs-${p.label}-diagnosis.txt`,
        `${comparison.message}\n` +
          Object.entries(comparison.only_in)
            .map(([l, ts]) => `only in ${l} (${ts.length}): ${ts.join(', ') || '-'}\n`)
            .join(''),
      );
    }
    const diagnosis = comparison?.diagnosis ?? (record.version === null ? 'MISSING' : 'OK');
    const output: { [key: string]: JsonValue } = {
      diagnosis,
      distance: comparison?.distance ?? 0,
      exceeds: comparison?.exceeds ?? false,
      version: record.version,
      tables,
    };
    const message =
      comparison?.message ??
      (record.version === null
        ? `MISSING: ${p.label} has no ${record.version_table} table`
        : `${p.label}: ${tables} tables at ${record.version.join(', ') || 'base'}`);
    if (diagnosis !== 'OK' && (p.fail_on as string[]).includes(diagnosis)) {
      throw new StepError(`AUDIT_${diagnosis}`, `${message}. ${REMEDIATION[diagnosis]}`, {
        hint: REMEDIATION[diagnosis],
        data: { ...output, only_in: (comparison?.only_in ?? {}) as JsonObject },
      });
    }
    return { output, summary: message };
  },
});

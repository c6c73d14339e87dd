/**
 * Helpers for the example-history tests: a tiny `alembic-sql` header parser, graph walking, and a
 * plain per-file-transaction applier, deliberately independent of the migration engine so the
 * examples are checked against PostgreSQL itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';

/** Absolute path of the repository's examples/ folder. */
export const EXAMPLES = path.resolve(import.meta.dirname, '..', '..', 'examples');

/** One parsed migration file. */
export interface Migration {
  file: string;
  revision: string;
  down: string[];
  labels: string[];
  message: string;
  transaction: boolean;
  sql: string;
}

/** A header line: `-- key: value` for the keys of the alembic-sql layout. */
export const HEADER =
  /^--\s*(revision|down_revision|branch_labels|depends_on|message|transaction):\s*(.*)$/;

/** The tiny header parser: leading `-- key: value` lines, then the upgrade SQL. */
export function parseMigration(file: string): Migration {
  const sql = readFileSync(file, 'utf8');
  const fields = new Map<string, string>();
  for (const line of sql.split('\n')) {
    const m = HEADER.exec(line);
    if (!m) break;
    if (fields.has(m[1]!)) throw new Error(`${file}: duplicate header ${m[1]}`);
    fields.set(m[1]!, m[2]!.trim());
  }
  const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()) : []);
  const revision = fields.get('revision');
  if (!revision || !fields.has('down_revision')) throw new Error(`${file}: incomplete header`);
  return {
    file,
    revision,
    down: list(fields.get('down_revision')),
    labels: list(fields.get('branch_labels')),
    message: fields.get('message') ?? '',
    transaction: fields.get('transaction') !== 'false',
    sql,
  };
}

/** Every `*.sql` file under `dir`, recursively, sorted. */
export function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.sql'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Migrations of a folder by revision, after checking uniqueness and that every parent exists. */
export function history(rel: string): Map<string, Migration> {
  const byRev = new Map<string, Migration>();
  for (const f of sqlFiles(path.join(EXAMPLES, rel))) {
    const m = parseMigration(f);
    expect(byRev.has(m.revision), `${m.revision} duplicated`).toBe(false);
    byRev.set(m.revision, m);
  }
  for (const m of byRev.values())
    for (const d of m.down) expect(byRev.has(d), `${m.revision} → missing ${d}`).toBe(true);
  return byRev;
}

/** Revisions that no other revision names as a parent. */
export function heads(h: Map<string, Migration>): string[] {
  const parents = new Set([...h.values()].flatMap((m) => m.down));
  return [...h.keys()].filter((r) => !parents.has(r));
}

/** Base → head order of a linear history (fails on a branch). */
export function linear(h: Map<string, Migration>): Migration[] {
  const roots = [...h.values()].filter((m) => m.down.length === 0);
  expect(roots).toHaveLength(1);
  const order = [roots[0]!];
  for (;;) {
    const kids = [...h.values()].filter((m) => m.down.includes(order[order.length - 1]!.revision));
    if (kids.length === 0) return order;
    expect(kids).toHaveLength(1);
    order.push(kids[0]!);
  }
}

/** Where and how an application stopped (the PostgreSQL error). */
export interface Failure {
  revision: string;
  code: string;
  message: string;
}

/**
 * Applies migrations in order on one connection, each file in its own transaction (the
 * non-transactional one outside any), stopping at the first failure. `prelude` runs inside a
 * named migration's transaction first.
 */
export async function apply(
  url: string,
  migrations: Migration[],
  prelude: Record<string, string> = {},
): Promise<Failure | null> {
  const client = new pg.Client(url);
  await client.connect();
  // Durability of these scratch databases does not matter; commit latency (fsync) dominates.
  await client.query('SET synchronous_commit = off');
  try {
    for (const m of migrations) {
      try {
        if (!m.transaction) {
          await client.query(m.sql);
          continue;
        }
        await client.query('BEGIN');
        if (prelude[m.revision]) await client.query(prelude[m.revision]!);
        await client.query(m.sql);
        await client.query('COMMIT');
      } catch (err) {
        if (m.transaction) await client.query('ROLLBACK');
        const e = err as pg.DatabaseError;
        return { revision: m.revision, code: e.code ?? '', message: e.message };
      }
    }
    return null;
  } finally {
    await client.end();
  }
}

/** Runs one query on its own connection and returns the rows. */
export async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The implementation report's inventory (001_*.txt), without `alembic_version`. */
export const INVENTORY: Record<string, string> = {
  agents:
    'agent_registry boundary_violations credit_balances credit_ledger drift_signals instances invocations invoke_audit job_cancellations job_items jobs messages strategy_adjustments',
  contracts: 'decision_records',
  m10_recovery:
    'dead_letter_archive distributed_locks matview_refresh_log outbox replay_log retention_jobs suggestion_action suggestion_input suggestion_input_archive suggestion_provenance suggestion_provenance_archive work_queue',
  m11_audit: 'circuit_breaker_state ops replay_runs skill_metrics',
  policy:
    'business_rules ethical_constraints evaluations policies policy_conflicts policy_dependencies policy_provenance policy_versions risk_ceilings safety_rules temporal_metric_events temporal_metric_windows temporal_policies violations',
  public:
    'activity_evidence agents aos_trace_mismatches aos_trace_steps aos_traces aos_traces_archive aos_traces_retention_log api_keys approval_requests archived_approval_requests audit_events audit_ledger audit_log budget_envelopes budget_usage_history capability_lockouts checkpoint_configs confidence_audit_log coordination_audit_records cost_anomalies cost_anomaly_evaluations cost_breach_history cost_budgets cost_daily_aggregates cost_drift_tracking cost_records cost_snapshot_aggregates cost_snapshot_baselines cost_snapshots costsim_alert_queue costsim_canary_reports costsim_cb_incidents costsim_cb_state costsim_provenance cus_integrations cus_llm_usage cus_usage_daily default_guardrails discovery_ledger environment_evidence evidence_capture_failures external_responses failure_evidence failure_matches failure_pattern_exports failure_patterns feature_flags feature_tags gcl_anchor_verifications gcl_audit_log gcl_daily_anchors gcl_replay_requests governance_signals graduation_history human_checkpoints incident_events incident_evidence incidents infra_error_events integrity_evidence invitations killswitch_state knowledge_lifecycle_transitions knowledge_plane_registry knowledge_planes knowledge_sources learning_suggestions lessons_learned limit_breaches limit_integrity limit_overrides limits llm_run_records log_exports loop_events loop_traces m25_graduation_status mcp_servers mcp_tool_invocations mcp_tools ops_alert_thresholds ops_customer_segments ops_events ops_tenant_metrics pattern_calibrations pattern_feedback policy_activation_audit policy_activation_log policy_alert_configs policy_approval_levels policy_decisions policy_enforcements policy_library policy_monitor_configs policy_override_authority policy_override_records policy_precedence policy_proposals policy_regret_summary policy_rule_integrity policy_rules policy_rules_legacy policy_scopes policy_simulation_results policy_snapshots policy_versions prediction_events prevention_records provider_evidence proxy_calls recovery_candidates recovery_candidates_audit regret_events retrieval_evidence routing_policy_adjustments run_failures runs signal_accuracy signal_feedback signal_recommendations subscriptions support_tickets system_records telemetry_cleanup_log telemetry_event tenant_memberships tenants threshold_signals timeline_views usage_records users worker_configs worker_registry worker_runs workflow_checkpoints',
  routing: 'agent_reputation capability_probes learning_parameters routing_decisions',
  system: 'memory_audit memory_pins rbac_audit',
};

/** Schemas that belong to PostgreSQL, not to a history. */
export const CATALOG_SCHEMAS = "('information_schema', 'pg_catalog', 'pg_toast')";

/** Asserts the reported post-rebuild topology (187 tables with alembic_version, 14 views). */
export async function expectNovaTopology(url: string): Promise<void> {
  // The migration tool, not a migration, creates the version table: do what it would.
  await query(url, 'CREATE TABLE alembic_version (version_num VARCHAR(128) PRIMARY KEY)');
  const tables = await query<{ s: string; t: string }>(
    url,
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ${CATALOG_SCHEMAS} ORDER BY 1, 2`,
  );
  expect(tables).toHaveLength(187);
  const counts = Object.fromEntries(Object.keys(INVENTORY).map((s) => [s, 0]));
  for (const { s } of tables) counts[s] = (counts[s] ?? 0) + 1;
  expect(counts).toEqual({ agents: 13, contracts: 1, m10_recovery: 12, m11_audit: 4, policy: 14, public: 136, routing: 4, system: 3 }); // prettier-ignore
  for (const [schema, names] of Object.entries(INVENTORY)) {
    const got = tables.filter((r) => r.s === schema && r.t !== 'alembic_version').map((r) => r.t);
    expect(got, schema).toEqual(names.split(' ').sort());
  }
  const views = await query<{ s: string; n: string }>(
    url,
    `SELECT schemaname AS s, count(*)::int AS n FROM pg_views
     WHERE schemaname NOT IN ${CATALOG_SCHEMAS} GROUP BY 1 ORDER BY 1`,
  );
  expect(Object.fromEntries(views.map((v) => [v.s, v.n]))).toEqual({
    agents: 2,
    m10_recovery: 2,
    m11_audit: 1,
    public: 8, // the report says 14 views; its breakdown (public 7) sums to 13
    routing: 1,
  });
  const cols = await query<{ t: string; n: number }>(
    url,
    `SELECT table_name AS t, count(*)::int AS n FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name IN ('runs', 'agents') GROUP BY 1 ORDER BY 1`,
  );
  expect(cols).toEqual([
    { t: 'agents', n: 18 },
    { t: 'runs', n: 52 },
  ]);
  const seeded = await query<{ notes: string }>(url, 'SELECT notes FROM m25_graduation_status');
  expect(seeded).toEqual([{ notes: 'seeded by 044_seed_m25_graduation_status' }]);
  const idx = await query(
    url,
    `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname = 'ix_aos_traces_status_started_at' AND i.indisvalid`,
  );
  expect(idx).toHaveLength(1);
}

/**
 * A comparable description of a database's schema: columns (type, nullability, default),
 * constraints, indexes, views and triggers outside PostgreSQL's own schemas, one sorted line each.
 * The version table is left out (only the migration tool creates it).
 */
export async function structure(url: string): Promise<string[]> {
  const rows = await query<{ line: string }>(
    url,
    `SELECT format('column %s.%s.%s %s %s %s', table_schema, table_name, column_name, data_type,
                   is_nullable, column_default) AS line
       FROM information_schema.columns
      WHERE table_schema NOT IN ${CATALOG_SCHEMAS} AND table_name <> 'alembic_version'
     UNION ALL
     SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
       FROM pg_constraint WHERE connamespace::regnamespace::text NOT IN ${CATALOG_SCHEMAS}
        AND conrelid <> 0 AND conrelid::regclass::text <> 'alembic_version'
     UNION ALL
     SELECT format('index %s', indexdef) FROM pg_indexes
      WHERE schemaname NOT IN ${CATALOG_SCHEMAS} AND tablename <> 'alembic_version'
     UNION ALL
     SELECT format('view %s.%s %s', schemaname, viewname, definition) FROM pg_views
      WHERE schemaname NOT IN ${CATALOG_SCHEMAS}
     UNION ALL
     SELECT format('trigger %s %s', tgrelid::regclass, pg_get_triggerdef(oid)) FROM pg_trigger
      WHERE NOT tgisinternal`,
  );
  return rows.map((r) => r.line).sort();
}

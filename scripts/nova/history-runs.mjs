/**
 * Nova migrations 063–099: workers, the first `runs`/`agents` alterations (065, 073, 082, 086), the
 * `sdsr_incidents` create (074) and consolidate-and-drop (075), and the 14 views.
 * Each entry is `{ n, slug, message, sql, transaction? }`; the generator numbers and links them.
 * `runs` and `agents` are never created by any of them: that is the reported defect.
 */
import { table, index, addColumns } from './sql.mjs';

const TENANT = 'tenant_id VARCHAR(64) NOT NULL';

/** @type {Array<{ n: number, slug: string, message: string, sql: string, transaction?: boolean }>} */
export const RUNS = [
  {
    n: 63,
    slug: 'worker_runs',
    message: 'Add worker runs and worker configs',
    sql: [
      table('worker_configs', [
        TENANT,
        'worker_id VARCHAR(64) NOT NULL',
        'config JSONB NOT NULL',
        'UNIQUE (tenant_id, worker_id)',
      ]),
      table(
        'worker_runs',
        [
          TENANT,
          'worker_id VARCHAR(64) NOT NULL',
          'task TEXT NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'queued'",
          'total_tokens INTEGER',
          'completed_at TIMESTAMPTZ',
        ],
        { id: 'varchar', indexes: [['worker_id', 'status']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 64,
    slug: 'worker_registry',
    message: 'Add worker registry',
    sql: table(
      'worker_registry',
      [
        'worker_id VARCHAR(64) NOT NULL UNIQUE',
        'name VARCHAR(128) NOT NULL',
        "status VARCHAR(16) NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'coming_soon', 'deprecated'))",
        'is_public BOOLEAN NOT NULL DEFAULT true',
      ],
      { id: 'varchar' },
    ),
  },
  {
    n: 65,
    slug: 'add_run_authorization',
    message: 'Add authorization columns to runs',
    sql: [
      addColumns('runs', [
        'authorization_decision VARCHAR(30)',
        'authorization_engine VARCHAR(50)',
        'authorization_context JSONB',
        'authorized_at TIMESTAMPTZ',
        'authorized_by VARCHAR(100)',
      ]),
      index('runs', ['authorization_decision']),
    ].join('\n'),
  },
  {
    n: 66,
    slug: 'run_failures',
    message: 'Add run failures',
    sql: table(
      'run_failures',
      [
        'run_id VARCHAR(64) NOT NULL REFERENCES runs(id) ON DELETE CASCADE',
        'error_code VARCHAR(64) NOT NULL',
        'error_message TEXT',
        'is_retryable BOOLEAN NOT NULL DEFAULT false',
      ],
      { indexes: [['run_id']] },
    ),
  },
  {
    n: 67,
    slug: 'failure_evidence',
    message: 'Add failure evidence and evidence capture failures',
    sql: [
      table(
        'failure_evidence',
        ['run_id VARCHAR(64) NOT NULL', 'evidence_type VARCHAR(32) NOT NULL', 'payload JSONB'],
        { indexes: [['run_id']] },
      ),
      table('evidence_capture_failures', [
        'run_id VARCHAR(64) NOT NULL',
        'evidence_type VARCHAR(32) NOT NULL',
        'error TEXT NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 68,
    slug: 'evidence_tables',
    message: 'Add activity, environment, provider, integrity and retrieval evidence',
    sql: [
      table(
        'activity_evidence',
        ['run_id VARCHAR(64) NOT NULL', 'activity_type VARCHAR(32) NOT NULL', 'payload JSONB'],
        { indexes: [['run_id']] },
      ),
      table('environment_evidence', [
        'run_id VARCHAR(64) NOT NULL',
        'sdk_version VARCHAR(32)',
        'environment JSONB',
      ]),
      table('provider_evidence', [
        'run_id VARCHAR(64) NOT NULL',
        'provider VARCHAR(32) NOT NULL',
        'model VARCHAR(64)',
        'request_id VARCHAR(128)',
      ]),
      table('integrity_evidence', [
        'run_id VARCHAR(64) NOT NULL UNIQUE',
        'integrity_score DOUBLE PRECISION',
        'missing_signals JSONB',
      ]),
      table('retrieval_evidence', [
        'run_id VARCHAR(64) NOT NULL',
        'plane_id VARCHAR(64)',
        'query_hash VARCHAR(64) NOT NULL',
        'doc_ids JSONB',
      ]),
    ].join('\n\n'),
  },
  {
    n: 69,
    slug: 'governance_signals',
    message: 'Add governance signals',
    sql: table(
      'governance_signals',
      [
        'signal_type VARCHAR(32) NOT NULL',
        'scope VARCHAR(128) NOT NULL',
        "decision VARCHAR(16) NOT NULL CHECK (decision IN ('CLEAR', 'WARN', 'BLOCK'))",
        'reason TEXT',
        'expires_at TIMESTAMPTZ',
      ],
      { id: 'uuid', indexes: [['scope']] },
    ),
  },
  {
    n: 70,
    slug: 'discovery_ledger',
    message: 'Add discovery ledger',
    sql: table(
      'discovery_ledger',
      [
        'artifact VARCHAR(128) NOT NULL',
        'signal_type VARCHAR(64) NOT NULL',
        'evidence JSONB',
        'seen_count INTEGER NOT NULL DEFAULT 1',
        'UNIQUE (artifact, signal_type)',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 71,
    slug: 'infra_error_events',
    message: 'Add infrastructure error events',
    sql: table(
      'infra_error_events',
      [
        'component VARCHAR(64) NOT NULL',
        'error_class VARCHAR(128) NOT NULL',
        'message TEXT',
        'context JSONB',
      ],
      { indexes: [['component', 'created_at']] },
    ),
  },
  {
    n: 72,
    slug: 'llm_run_records',
    message: 'Add LLM run records',
    sql: table(
      'llm_run_records',
      [
        TENANT,
        'run_id VARCHAR(64) NOT NULL',
        'provider VARCHAR(32) NOT NULL',
        'model VARCHAR(64) NOT NULL',
        'input_tokens INTEGER NOT NULL DEFAULT 0',
        'output_tokens INTEGER NOT NULL DEFAULT 0',
        'cost_cents NUMERIC(12, 4)',
      ],
      { id: 'varchar' },
    ),
  },
  {
    n: 73,
    slug: 'add_synthetic_flags',
    message: 'Add SDSR synthetic flags to runs and agents',
    sql: [
      addColumns('runs', [
        'is_synthetic BOOLEAN NOT NULL DEFAULT false',
        'synthetic_scenario_id VARCHAR(64)',
      ]),
      addColumns('agents', [
        'is_synthetic BOOLEAN NOT NULL DEFAULT false',
        'synthetic_scenario_id VARCHAR(64)',
      ]),
    ].join('\n'),
  },
  {
    n: 74,
    slug: 'sdsr_incidents',
    message: 'Add SDSR incidents',
    sql: table(
      'sdsr_incidents',
      [
        TENANT,
        'scenario_id VARCHAR(64) NOT NULL',
        'title VARCHAR(255) NOT NULL',
        "severity VARCHAR(16) NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical'))",
        "status VARCHAR(16) NOT NULL DEFAULT 'open'",
      ],
      { id: 'varchar', indexes: [['scenario_id']] },
    ),
  },
  {
    n: 75,
    slug: 'consolidate_sdsr_incidents',
    message: 'Consolidate sdsr_incidents into incidents',
    sql: [
      addColumns('incidents', [
        'is_synthetic BOOLEAN NOT NULL DEFAULT false',
        'synthetic_scenario_id VARCHAR(64)',
        "source VARCHAR(32) NOT NULL DEFAULT 'runtime'",
      ]),
      `INSERT INTO incidents (id, tenant_id, title, severity, status, is_synthetic, synthetic_scenario_id, source, created_at)
SELECT id, tenant_id, title, severity, status, true, scenario_id, 'sdsr', created_at
FROM sdsr_incidents
ON CONFLICT (id) DO NOTHING;`,
      'DROP TABLE sdsr_incidents;',
    ].join('\n\n'),
  },
  {
    n: 76,
    slug: 'ops_events',
    message: 'Add ops events and tenant metrics',
    sql: [
      table(
        'ops_events',
        [TENANT, 'event_type VARCHAR(64) NOT NULL', 'severity INTEGER', 'metadata JSONB'],
        { id: 'uuid', indexes: [['tenant_id', 'created_at']] },
      ),
      table('ops_tenant_metrics', [
        'tenant_id VARCHAR(64) NOT NULL UNIQUE',
        'stickiness_7d DOUBLE PRECISION',
        'churn_risk DOUBLE PRECISION',
      ]),
    ].join('\n\n'),
  },
  {
    n: 77,
    slug: 'ops_customer_segments',
    message: 'Add ops customer segments and alert thresholds',
    sql: [
      table('ops_customer_segments', [
        'tenant_id VARCHAR(64) NOT NULL UNIQUE',
        'segment VARCHAR(32) NOT NULL',
        'computed_at TIMESTAMPTZ',
      ]),
      table('ops_alert_thresholds', [
        'metric VARCHAR(64) NOT NULL UNIQUE',
        'warn_at DOUBLE PRECISION NOT NULL',
        'critical_at DOUBLE PRECISION NOT NULL',
        'CHECK (critical_at >= warn_at)',
      ]),
    ].join('\n\n'),
  },
  {
    n: 78,
    slug: 'support_tickets',
    message: 'Add support tickets',
    sql: table(
      'support_tickets',
      [
        'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
        'subject VARCHAR(255) NOT NULL',
        'body TEXT',
        "status VARCHAR(16) NOT NULL DEFAULT 'open'",
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 79,
    slug: 'log_exports',
    message: 'Add log exports',
    sql: table(
      'log_exports',
      [
        TENANT,
        'scope VARCHAR(32) NOT NULL',
        "format VARCHAR(8) NOT NULL CHECK (format IN ('json', 'csv', 'pdf'))",
        'requested_by VARCHAR(128)',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 80,
    slug: 'telemetry',
    message: 'Add telemetry events and cleanup log',
    sql: [
      table(
        'telemetry_event',
        [TENANT, 'source VARCHAR(64) NOT NULL', 'name VARCHAR(128) NOT NULL', 'payload JSONB'],
        { indexes: [['tenant_id', 'created_at']] },
      ),
      table('telemetry_cleanup_log', [
        'deleted_rows INTEGER NOT NULL',
        'cutoff TIMESTAMPTZ NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 81,
    slug: 'system_records',
    message: 'Add system records',
    sql: table(
      'system_records',
      [
        'component VARCHAR(64) NOT NULL',
        'event_type VARCHAR(32) NOT NULL',
        'severity VARCHAR(16) NOT NULL',
        'summary TEXT',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 82,
    slug: 'run_execution_mode',
    message: 'Add execution mode and environment to runs',
    sql: addColumns('runs', [
      "execution_mode VARCHAR(16) NOT NULL DEFAULT 'live'",
      'execution_environment VARCHAR(32)',
    ]),
  },
  {
    n: 83,
    slug: 'timeline_views',
    message: 'Add timeline view definitions',
    sql: table('timeline_views', [
      TENANT,
      'name VARCHAR(128) NOT NULL',
      'filters JSONB NOT NULL',
      'created_by VARCHAR(128)',
    ]),
  },
  {
    n: 84,
    slug: 'cus_integrations',
    message: 'Add customer LLM integrations and usage',
    sql: [
      table(
        'cus_integrations',
        [
          'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
          'provider_type VARCHAR(32) NOT NULL',
          'name VARCHAR(128) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'created'",
          'credential_ref VARCHAR(255)',
        ],
        { id: 'uuid', indexes: [['tenant_id']] },
      ),
      table(
        'cus_llm_usage',
        [
          'integration_id UUID NOT NULL REFERENCES cus_integrations(id) ON DELETE CASCADE',
          'model VARCHAR(64) NOT NULL',
          'tokens_in INTEGER NOT NULL',
          'tokens_out INTEGER NOT NULL',
          'cost_cents NUMERIC(12, 4)',
        ],
        { id: 'uuid', indexes: [['integration_id', 'created_at']] },
      ),
      table('cus_usage_daily', [
        'integration_id UUID NOT NULL REFERENCES cus_integrations(id) ON DELETE CASCADE',
        'day DATE NOT NULL',
        'total_tokens BIGINT NOT NULL DEFAULT 0',
        'UNIQUE (integration_id, day)',
      ]),
    ].join('\n\n'),
  },
  {
    n: 85,
    slug: 'policy_rules_legacy',
    message: 'Preserve legacy policy rules before the rule model change',
    sql: [
      'CREATE TABLE policy_rules_legacy (LIKE policy_rules INCLUDING DEFAULTS INCLUDING CONSTRAINTS);',
      'ALTER TABLE policy_rules_legacy ADD PRIMARY KEY (id);',
      'INSERT INTO policy_rules_legacy SELECT * FROM policy_rules;',
    ].join('\n'),
  },
  {
    n: 86,
    slug: 'runs_v2_projection',
    message: 'Add runs v2 projection columns',
    sql: [
      addColumns('runs', [
        "state VARCHAR(16) NOT NULL DEFAULT 'LIVE'",
        'project_id VARCHAR(64)',
        'last_seen_at TIMESTAMPTZ',
        "source VARCHAR(16) NOT NULL DEFAULT 'agent'",
        'provider_type VARCHAR(32)',
        "risk_level VARCHAR(16) NOT NULL DEFAULT 'NORMAL'",
        'latency_bucket VARCHAR(16)',
        "evidence_health VARCHAR(16) NOT NULL DEFAULT 'FLOWING'",
        "integrity_status VARCHAR(16) NOT NULL DEFAULT 'UNKNOWN'",
        'incident_count INTEGER NOT NULL DEFAULT 0',
        'policy_draft_count INTEGER NOT NULL DEFAULT 0',
        'policy_violation BOOLEAN NOT NULL DEFAULT false',
        'input_tokens INTEGER',
        'output_tokens INTEGER',
        'estimated_cost_usd NUMERIC(12, 6)',
        'expected_latency_ms INTEGER',
      ]),
      index('runs', ['state', 'last_seen_at']),
      index('runs', ['project_id']),
    ].join('\n'),
  },
  {
    n: 87,
    slug: 'policy_rule_integrity',
    message: 'Add policy rule integrity',
    sql: table(
      'policy_rule_integrity',
      [
        'rule_id VARCHAR(64) NOT NULL REFERENCES policy_rules(id) ON DELETE CASCADE',
        'content_hash VARCHAR(64) NOT NULL',
        'verified_at TIMESTAMPTZ',
      ],
      { id: 'varchar', indexes: [['rule_id']] },
    ),
  },
  {
    n: 88,
    slug: 'knowledge_sources',
    message: 'Add knowledge sources',
    sql: table(
      'knowledge_sources',
      [
        TENANT,
        'source_type VARCHAR(32) NOT NULL',
        'uri TEXT NOT NULL',
        'last_synced_at TIMESTAMPTZ',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 89,
    slug: 'knowledge_lifecycle_transitions',
    message: 'Add knowledge lifecycle transitions',
    sql: table(
      'knowledge_lifecycle_transitions',
      [
        'source_id UUID NOT NULL REFERENCES knowledge_sources(id) ON DELETE CASCADE',
        'from_state VARCHAR(16)',
        'to_state VARCHAR(16) NOT NULL',
        'actor VARCHAR(128)',
      ],
      { id: 'uuid', indexes: [['source_id']] },
    ),
  },
  {
    n: 90,
    slug: 'run_and_worker_views',
    message: 'Add run overview and worker health views',
    sql: [
      `CREATE VIEW v_run_overview AS
SELECT r.id AS run_id, r.tenant_id, r.status, r.state, r.risk_level, a.name AS agent_name,
       r.created_at, r.completed_at
FROM runs r
LEFT JOIN agents a ON a.id = r.agent_id;`,
      `CREATE VIEW v_worker_health AS
SELECT w.worker_id, w.name, w.status AS registry_status,
       count(r.id) FILTER (WHERE r.status = 'failed') AS failed_runs,
       count(r.id) AS total_runs
FROM worker_registry w
LEFT JOIN worker_runs r ON r.worker_id = w.worker_id
GROUP BY w.worker_id, w.name, w.status;`,
    ].join('\n\n'),
  },
  {
    n: 91,
    slug: 'm10_recovery_views',
    message: 'Add m10 queue depth and pending outbox views',
    sql: [
      `CREATE VIEW m10_recovery.v_work_queue_depth AS
SELECT queue_name, status, count(*) AS items, min(available_at) AS oldest
FROM m10_recovery.work_queue
GROUP BY queue_name, status;`,
      `CREATE VIEW m10_recovery.v_outbox_pending AS
SELECT aggregate_type, count(*) AS pending, min(created_at) AS oldest
FROM m10_recovery.outbox
WHERE published_at IS NULL
GROUP BY aggregate_type;`,
    ].join('\n\n'),
  },
  {
    n: 92,
    slug: 'agents_views',
    message: 'Add agent job progress and credit position views',
    sql: [
      `CREATE VIEW agents.v_job_progress AS
SELECT j.id AS job_id, j.tenant_id, j.status, j.total_items,
       count(i.id) FILTER (WHERE i.status = 'done') AS done_items
FROM agents.jobs j
LEFT JOIN agents.job_items i ON i.job_id = j.id
GROUP BY j.id, j.tenant_id, j.status, j.total_items;`,
      `CREATE VIEW agents.v_credit_position AS
SELECT b.tenant_id, b.balance_cents, coalesce(sum(l.delta_cents), 0) AS ledger_total
FROM agents.credit_balances b
LEFT JOIN agents.credit_ledger l ON l.balance_id = b.id
GROUP BY b.tenant_id, b.balance_cents;`,
    ].join('\n\n'),
  },
  {
    n: 93,
    slug: 'm11_skill_health_view',
    message: 'Add m11 skill health view',
    sql: `CREATE VIEW m11_audit.v_skill_health AS
SELECT m.skill, m.calls, m.failures, m.p95_ms, coalesce(c.state, 'closed') AS breaker_state
FROM m11_audit.skill_metrics m
LEFT JOIN m11_audit.circuit_breaker_state c ON c.skill = m.skill;`,
  },
  {
    n: 94,
    slug: 'routing_stats_view',
    message: 'Add routing agent stats view',
    sql: `CREATE VIEW routing.v_agent_routing_stats AS
SELECT d.selected_agent_id AS agent_id, count(*) AS decisions, max(r.score) AS reputation
FROM routing.routing_decisions d
LEFT JOIN routing.agent_reputation r ON r.agent_id = d.selected_agent_id
GROUP BY d.selected_agent_id;`,
  },
  {
    n: 95,
    slug: 'incident_views',
    message: 'Add incident summary views',
    sql: [
      `CREATE VIEW v_incident_summary AS
SELECT i.id AS incident_id, i.tenant_id, i.severity, i.status, count(e.id) AS event_count,
       max(e.created_at) AS last_event_at
FROM incidents i
LEFT JOIN incident_events e ON e.incident_id = i.id
GROUP BY i.id, i.tenant_id, i.severity, i.status;`,
      `CREATE VIEW v_open_incidents_by_tenant AS
SELECT t.id AS tenant_id, t.name AS tenant_name, count(i.id) AS open_incidents
FROM tenants t
LEFT JOIN incidents i ON i.tenant_id = t.id AND i.status = 'open'
GROUP BY t.id, t.name;`,
    ].join('\n\n'),
  },
  {
    n: 96,
    slug: 'incidents_domain_model',
    message: 'Incidents domain model: lifecycle state and cause',
    sql: [
      addColumns('incidents', [
        "lifecycle_state VARCHAR(16) NOT NULL DEFAULT 'ACTIVE'",
        'category VARCHAR(32)',
        'cause_type VARCHAR(32)',
      ]),
      "ALTER TABLE incidents ADD CONSTRAINT ck_incidents_lifecycle_state CHECK (lifecycle_state IN ('ACTIVE', 'ACKED', 'RESOLVED'));",
      index('incidents', ['lifecycle_state']),
    ].join('\n'),
  },
  {
    n: 97,
    slug: 'cost_and_trace_views',
    message: 'Add daily cost and trace summary views',
    sql: [
      `CREATE VIEW v_cost_daily_by_tenant AS
SELECT t.id AS tenant_id, t.name AS tenant_name, a.day, a.total_cents
FROM cost_daily_aggregates a
JOIN tenants t ON t.id = a.tenant_id;`,
      `CREATE VIEW v_trace_summary AS
SELECT tr.trace_id, tr.run_id, tr.tenant_id, tr.status, count(s.id) AS steps,
       sum(s.duration_ms) AS total_duration_ms
FROM aos_traces tr
LEFT JOIN aos_trace_steps s ON s.trace_id = tr.trace_id
GROUP BY tr.trace_id, tr.run_id, tr.tenant_id, tr.status;`,
    ].join('\n\n'),
  },
  {
    n: 98,
    slug: 'policy_rule_status_view',
    message: 'Add policy rule status view',
    sql: `CREATE VIEW v_policy_rule_status AS
SELECT r.id AS rule_id, r.tenant_id, r.name, r.enforcement_mode, r.is_active,
       count(e.id) AS enforcements
FROM policy_rules r
LEFT JOIN policy_enforcements e ON e.rule_id = r.id
GROUP BY r.id, r.tenant_id, r.name, r.enforcement_mode, r.is_active;`,
  },
  {
    n: 99,
    slug: 'prevention_records',
    message: 'Add prevention records',
    sql: table(
      'prevention_records',
      [
        TENANT,
        'policy_id VARCHAR(64) NOT NULL',
        'pattern_id VARCHAR(64)',
        'outcome VARCHAR(32) NOT NULL',
        'signature_match_confidence DOUBLE PRECISION',
      ],
      { id: 'varchar', indexes: [['tenant_id', 'created_at']] },
    ),
  },
];

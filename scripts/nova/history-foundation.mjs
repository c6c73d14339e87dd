/**
 * Nova migrations 001–025: the schemas (m10_recovery, m11_audit, policy, routing, agents, system),
 * tenants and users, costs, approvals.
 * Each entry is `{ n, slug, message, sql, transaction? }`; the generator numbers and links them.
 * `runs` and `agents` are never created by any of them: that is the reported defect.
 */
import { table } from './sql.mjs';

const TENANT = 'tenant_id VARCHAR(64) NOT NULL';

/** @type {Array<{ n: number, slug: string, message: string, sql: string, transaction?: boolean }>} */
export const FOUNDATION = [
  {
    n: 1,
    slug: 'workflow_checkpoints',
    message: 'Create workflow checkpoints',
    sql: table(
      'workflow_checkpoints',
      [
        'run_id VARCHAR(64) NOT NULL',
        'step_index INTEGER NOT NULL',
        'state_json JSONB NOT NULL',
        'checksum VARCHAR(64) NOT NULL',
        'updated_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      ],
      { indexes: [{ cols: ['run_id', 'step_index'], unique: true }] },
    ),
  },
  {
    n: 2,
    slug: 'm10_recovery_schema',
    message: 'Create m10_recovery schema with work queue, outbox and locks',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS m10_recovery;',
      table(
        'm10_recovery.work_queue',
        [
          'queue_name VARCHAR(64) NOT NULL',
          'payload JSONB NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done', 'dead'))",
          'attempts INTEGER NOT NULL DEFAULT 0',
          'available_at TIMESTAMPTZ NOT NULL DEFAULT now()',
        ],
        { indexes: [['queue_name', 'status', 'available_at']] },
      ),
      table(
        'm10_recovery.outbox',
        [
          'aggregate_type VARCHAR(64) NOT NULL',
          'aggregate_id VARCHAR(64) NOT NULL',
          'event_type VARCHAR(64) NOT NULL',
          'payload JSONB NOT NULL',
          'published_at TIMESTAMPTZ',
        ],
        { indexes: [['published_at']] },
      ),
      table(
        'm10_recovery.distributed_locks',
        [
          'lock_name VARCHAR(128) NOT NULL UNIQUE',
          'holder VARCHAR(128) NOT NULL',
          'expires_at TIMESTAMPTZ NOT NULL',
        ],
        { id: 'serial' },
      ),
    ].join('\n\n'),
  },
  {
    n: 3,
    slug: 'failure_patterns',
    message: 'Add failure pattern catalog and matches',
    sql: [
      table(
        'failure_patterns',
        [
          'signature VARCHAR(128) NOT NULL UNIQUE',
          'category VARCHAR(64) NOT NULL',
          'description TEXT',
          'recovery_hint TEXT',
          'occurrences INTEGER NOT NULL DEFAULT 0',
        ],
        { id: 'serial' },
      ),
      table(
        'failure_matches',
        [
          'pattern_id INTEGER NOT NULL REFERENCES failure_patterns(id) ON DELETE CASCADE',
          'run_id VARCHAR(64) NOT NULL',
          'confidence NUMERIC(4, 3) NOT NULL CHECK (confidence BETWEEN 0 AND 1)',
        ],
        { indexes: [['pattern_id'], ['run_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 4,
    slug: 'recovery_candidates',
    message: 'Add recovery candidates with audit trail',
    sql: [
      table(
        'recovery_candidates',
        [
          'failure_match_id BIGINT NOT NULL REFERENCES failure_matches(id) ON DELETE CASCADE',
          'suggestion TEXT NOT NULL',
          'confidence NUMERIC(4, 3) NOT NULL',
          "decision VARCHAR(16) NOT NULL DEFAULT 'pending'",
        ],
        { indexes: [['failure_match_id'], ['decision']] },
      ),
      table(
        'recovery_candidates_audit',
        [
          'candidate_id BIGINT NOT NULL REFERENCES recovery_candidates(id) ON DELETE CASCADE',
          'action VARCHAR(32) NOT NULL',
          'actor VARCHAR(128)',
          'details JSONB',
        ],
        { indexes: [['candidate_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 5,
    slug: 'm10_suggestions',
    message: 'Add m10 suggestion input, action and provenance',
    sql: [
      table('m10_recovery.suggestion_input', [
        'candidate_id BIGINT NOT NULL',
        'input_type VARCHAR(32) NOT NULL',
        'raw_value TEXT',
      ]),
      table('m10_recovery.suggestion_action', [
        'candidate_id BIGINT NOT NULL',
        'action_type VARCHAR(32) NOT NULL',
        'parameters JSONB',
        'applied BOOLEAN NOT NULL DEFAULT false',
      ]),
      table(
        'm10_recovery.suggestion_provenance',
        [
          'suggestion_input_id BIGINT NOT NULL REFERENCES m10_recovery.suggestion_input(id) ON DELETE CASCADE',
          'source VARCHAR(64) NOT NULL',
          'model_version VARCHAR(64)',
        ],
        { indexes: [['suggestion_input_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 6,
    slug: 'm10_archive_tables',
    message: 'Add m10 archive, dead letter and replay tables',
    sql: [
      table('m10_recovery.suggestion_input_archive', [
        'original_id BIGINT NOT NULL',
        'payload JSONB NOT NULL',
        'archived_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      ]),
      table('m10_recovery.suggestion_provenance_archive', [
        'original_id BIGINT NOT NULL',
        'payload JSONB NOT NULL',
        'archived_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      ]),
      table('m10_recovery.dead_letter_archive', [
        'queue_name VARCHAR(64) NOT NULL',
        'payload JSONB NOT NULL',
        'error TEXT',
      ]),
      table(
        'm10_recovery.replay_log',
        [
          'dead_letter_id BIGINT REFERENCES m10_recovery.dead_letter_archive(id) ON DELETE SET NULL',
          'replayed_by VARCHAR(128)',
          'outcome VARCHAR(16) NOT NULL',
        ],
        { indexes: [['dead_letter_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 7,
    slug: 'm10_retention',
    message: 'Add m10 retention jobs and matview refresh log',
    sql: [
      table('m10_recovery.retention_jobs', [
        'target_table VARCHAR(128) NOT NULL',
        'retention_days INTEGER NOT NULL CHECK (retention_days > 0)',
        'last_run_at TIMESTAMPTZ',
      ]),
      table('m10_recovery.matview_refresh_log', [
        'view_name VARCHAR(128) NOT NULL',
        'duration_ms INTEGER',
        'succeeded BOOLEAN NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 8,
    slug: 'm11_audit_schema',
    message: 'Create m11_audit schema',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS m11_audit;',
      table('m11_audit.ops', [
        'op_type VARCHAR(64) NOT NULL',
        'skill VARCHAR(64) NOT NULL',
        'payload JSONB',
        'duration_ms INTEGER',
      ]),
      table('m11_audit.replay_runs', [
        'op_id BIGINT NOT NULL REFERENCES m11_audit.ops(id) ON DELETE CASCADE',
        'verdict VARCHAR(16) NOT NULL',
      ]),
      table('m11_audit.skill_metrics', [
        'skill VARCHAR(64) NOT NULL UNIQUE',
        'calls BIGINT NOT NULL DEFAULT 0',
        'failures BIGINT NOT NULL DEFAULT 0',
        'p95_ms INTEGER',
      ]),
      table('m11_audit.circuit_breaker_state', [
        'skill VARCHAR(64) NOT NULL UNIQUE',
        "state VARCHAR(16) NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open'))",
        'opened_at TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 9,
    slug: 'costsim_circuit_breaker',
    message: 'Add costsim circuit breaker tables',
    sql: [
      table('costsim_cb_state', [
        'name VARCHAR(64) NOT NULL UNIQUE',
        'disabled BOOLEAN NOT NULL DEFAULT false',
        'disabled_reason TEXT',
        'updated_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      ]),
      table(
        'costsim_cb_incidents',
        [
          'circuit_breaker_name VARCHAR(64) NOT NULL',
          'reason TEXT NOT NULL',
          'drift_score DOUBLE PRECISION',
          'resolved_at TIMESTAMPTZ',
        ],
        { indexes: [['circuit_breaker_name']] },
      ),
      table('costsim_alert_queue', [
        'payload JSONB NOT NULL',
        'attempts INTEGER NOT NULL DEFAULT 0',
        'sent_at TIMESTAMPTZ',
      ]),
      table('costsim_provenance', [
        'input_hash VARCHAR(64) NOT NULL',
        'output_hash VARCHAR(64) NOT NULL',
        'model_version VARCHAR(64)',
      ]),
    ].join('\n\n'),
  },
  {
    n: 10,
    slug: 'tenants_users',
    message: 'Add tenants, users, memberships, API keys and subscriptions',
    sql: [
      table(
        'tenants',
        [
          'name VARCHAR(255) NOT NULL',
          'slug VARCHAR(64) NOT NULL UNIQUE',
          "plan VARCHAR(32) NOT NULL DEFAULT 'free'",
          "status VARCHAR(32) NOT NULL DEFAULT 'active'",
        ],
        { id: 'varchar' },
      ),
      table(
        'users',
        ['email VARCHAR(255) NOT NULL UNIQUE', 'name VARCHAR(255)', 'password_hash VARCHAR(255)'],
        { id: 'varchar' },
      ),
      table(
        'tenant_memberships',
        [
          'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
          'user_id VARCHAR(64) NOT NULL REFERENCES users(id) ON DELETE CASCADE',
          "role VARCHAR(32) NOT NULL DEFAULT 'member'",
          'UNIQUE (tenant_id, user_id)',
        ],
        { indexes: [['user_id']] },
      ),
      table(
        'api_keys',
        [
          'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
          'key_prefix VARCHAR(16) NOT NULL',
          'key_hash VARCHAR(128) NOT NULL UNIQUE',
          'revoked_at TIMESTAMPTZ',
        ],
        { id: 'varchar', indexes: [['tenant_id']] },
      ),
      table('subscriptions', [
        'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
        'plan VARCHAR(32) NOT NULL',
        'current_period_end TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 11,
    slug: 'usage_records_invitations',
    message: 'Add usage records and invitations',
    sql: [
      table(
        'usage_records',
        [
          'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
          'meter VARCHAR(64) NOT NULL',
          'quantity BIGINT NOT NULL',
          'period_start DATE NOT NULL',
        ],
        { indexes: [['tenant_id', 'period_start']] },
      ),
      table('invitations', [
        'tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE',
        'email VARCHAR(255) NOT NULL',
        'token_hash VARCHAR(128) NOT NULL UNIQUE',
        'accepted_at TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 12,
    slug: 'cost_records',
    message: 'Add cost records and daily aggregates',
    sql: [
      table(
        'cost_records',
        [
          TENANT,
          'run_id VARCHAR(64)',
          'provider VARCHAR(32) NOT NULL',
          'model VARCHAR(64) NOT NULL',
          'input_tokens INTEGER NOT NULL DEFAULT 0',
          'output_tokens INTEGER NOT NULL DEFAULT 0',
          'cost_cents NUMERIC(12, 4) NOT NULL',
        ],
        { indexes: [['tenant_id', 'created_at']] },
      ),
      table(
        'cost_daily_aggregates',
        [
          TENANT,
          'day DATE NOT NULL',
          'total_cents NUMERIC(14, 4) NOT NULL',
          'UNIQUE (tenant_id, day)',
        ],
        {},
      ),
    ].join('\n\n'),
  },
  {
    n: 13,
    slug: 'cost_budgets',
    message: 'Add cost budgets, anomalies, breach history and drift tracking',
    sql: [
      table('cost_budgets', [
        TENANT,
        "budget_type VARCHAR(16) NOT NULL CHECK (budget_type IN ('tenant', 'feature', 'user'))",
        'daily_limit_cents INTEGER',
        'monthly_limit_cents INTEGER',
        'warn_threshold_pct INTEGER NOT NULL DEFAULT 80',
      ]),
      table(
        'cost_anomalies',
        [
          TENANT,
          'anomaly_type VARCHAR(32) NOT NULL',
          "severity VARCHAR(16) NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical'))",
          'current_value_cents NUMERIC(14, 4)',
          'expected_value_cents NUMERIC(14, 4)',
          'resolved BOOLEAN NOT NULL DEFAULT false',
        ],
        { id: 'varchar', indexes: [['tenant_id', 'resolved']] },
      ),
      table('cost_breach_history', [
        TENANT,
        'budget_id BIGINT REFERENCES cost_budgets(id) ON DELETE SET NULL',
        'breach_cents NUMERIC(14, 4) NOT NULL',
      ]),
      table('cost_drift_tracking', [
        TENANT,
        'baseline_cents NUMERIC(14, 4) NOT NULL',
        'observed_cents NUMERIC(14, 4) NOT NULL',
        'drift_pct DOUBLE PRECISION',
      ]),
    ].join('\n\n'),
  },
  {
    n: 14,
    slug: 'cost_snapshots',
    message: 'Add cost snapshots, aggregates, baselines and anomaly evaluations',
    sql: [
      table(
        'cost_snapshots',
        [
          TENANT,
          "snapshot_type VARCHAR(16) NOT NULL CHECK (snapshot_type IN ('hourly', 'daily'))",
          'period_start TIMESTAMPTZ NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
        ],
        { id: 'varchar', indexes: [['tenant_id', 'period_start']] },
      ),
      table('cost_snapshot_aggregates', [
        'snapshot_id VARCHAR(64) NOT NULL REFERENCES cost_snapshots(id) ON DELETE CASCADE',
        'entity_type VARCHAR(32) NOT NULL',
        'entity_id VARCHAR(64)',
        'total_cents NUMERIC(14, 4) NOT NULL',
      ]),
      table('cost_snapshot_baselines', [
        TENANT,
        'entity_type VARCHAR(32) NOT NULL',
        'avg_daily_cents NUMERIC(14, 4) NOT NULL',
        'is_current BOOLEAN NOT NULL DEFAULT true',
      ]),
      table('cost_anomaly_evaluations', [
        'snapshot_id VARCHAR(64) NOT NULL REFERENCES cost_snapshots(id) ON DELETE CASCADE',
        'triggered BOOLEAN NOT NULL',
        'deviation_pct DOUBLE PRECISION',
      ]),
    ].join('\n\n'),
  },
  {
    n: 15,
    slug: 'approval_requests',
    message: 'Add approval requests and their archive',
    sql: [
      table(
        'approval_requests',
        [
          TENANT,
          'correlation_id VARCHAR(64) NOT NULL',
          'requested_by VARCHAR(128) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired'))",
          'payload JSONB',
          'expires_at TIMESTAMPTZ',
        ],
        { id: 'varchar', indexes: [['status'], ['correlation_id']] },
      ),
      table('archived_approval_requests', [
        'original_id VARCHAR(64) NOT NULL',
        'final_status VARCHAR(16) NOT NULL',
        'payload JSONB',
      ]),
    ].join('\n\n'),
  },
  {
    n: 16,
    slug: 'policy_schema',
    message: 'Create policy schema with policies, versions and rule tables',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS policy;',
      table('policy.policies', [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'category VARCHAR(32) NOT NULL',
        'is_active BOOLEAN NOT NULL DEFAULT true',
        "rules JSONB NOT NULL DEFAULT '{}'::jsonb",
      ]),
      table(
        'policy.policy_versions',
        [
          'policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
          'version INTEGER NOT NULL',
          'snapshot JSONB NOT NULL',
          'UNIQUE (policy_id, version)',
        ],
        {},
      ),
      table('policy.business_rules', [
        'policy_id BIGINT REFERENCES policy.policies(id) ON DELETE CASCADE',
        'expression TEXT NOT NULL',
        'priority INTEGER NOT NULL DEFAULT 100',
      ]),
      table('policy.safety_rules', [
        'policy_id BIGINT REFERENCES policy.policies(id) ON DELETE CASCADE',
        'pattern TEXT NOT NULL',
        "action VARCHAR(16) NOT NULL DEFAULT 'block'",
      ]),
      table('policy.ethical_constraints', [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'description TEXT',
        'enforcement VARCHAR(16) NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 17,
    slug: 'policy_evaluations',
    message: 'Add policy evaluations, violations and risk ceilings',
    sql: [
      table(
        'policy.evaluations',
        [
          'policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
          'run_id VARCHAR(64)',
          'decision VARCHAR(16) NOT NULL',
          'latency_ms INTEGER',
        ],
        { indexes: [['policy_id', 'created_at']] },
      ),
      table(
        'policy.violations',
        [
          'evaluation_id BIGINT NOT NULL REFERENCES policy.evaluations(id) ON DELETE CASCADE',
          "severity VARCHAR(16) NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical'))",
          'details JSONB',
        ],
        { indexes: [['evaluation_id']] },
      ),
      table('policy.risk_ceilings', [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'metric VARCHAR(64) NOT NULL',
        'max_value DOUBLE PRECISION NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 18,
    slug: 'policy_dependencies',
    message: 'Add policy dependencies, conflicts and provenance',
    sql: [
      table('policy.policy_dependencies', [
        'policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
        'depends_on_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
        'CHECK (policy_id <> depends_on_id)',
      ]),
      table('policy.policy_conflicts', [
        'policy_a_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
        'policy_b_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
        'resolution VARCHAR(32)',
      ]),
      table('policy.policy_provenance', [
        'policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE',
        'changed_by VARCHAR(128) NOT NULL',
        'change_summary TEXT',
      ]),
    ].join('\n\n'),
  },
  {
    n: 19,
    slug: 'temporal_policies',
    message: 'Add temporal policies and metric windows',
    sql: [
      table('policy.temporal_policies', [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'metric VARCHAR(64) NOT NULL',
        'window_seconds INTEGER NOT NULL CHECK (window_seconds > 0)',
        'max_value DOUBLE PRECISION NOT NULL',
      ]),
      table('policy.temporal_metric_windows', [
        'temporal_policy_id BIGINT NOT NULL REFERENCES policy.temporal_policies(id) ON DELETE CASCADE',
        'window_start TIMESTAMPTZ NOT NULL',
        'value DOUBLE PRECISION NOT NULL DEFAULT 0',
      ]),
      table(
        'policy.temporal_metric_events',
        [
          'metric VARCHAR(64) NOT NULL',
          'scope_key VARCHAR(128) NOT NULL',
          'value DOUBLE PRECISION NOT NULL',
        ],
        { indexes: [['metric', 'created_at']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 20,
    slug: 'routing_schema',
    message: 'Create routing schema for CARE routing decisions',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS routing;',
      table(
        'routing.routing_decisions',
        [
          'request_id VARCHAR(64) NOT NULL',
          'selected_agent_id VARCHAR(64)',
          'candidates JSONB',
          'latency_ms INTEGER',
        ],
        { indexes: [['selected_agent_id']] },
      ),
      table('routing.agent_reputation', [
        'agent_id VARCHAR(64) NOT NULL UNIQUE',
        'score DOUBLE PRECISION NOT NULL DEFAULT 0.5 CHECK (score BETWEEN 0 AND 1)',
        'success_count INTEGER NOT NULL DEFAULT 0',
        'failure_count INTEGER NOT NULL DEFAULT 0',
      ]),
      table('routing.capability_probes', [
        'capability VARCHAR(64) NOT NULL',
        'agent_id VARCHAR(64) NOT NULL',
        'healthy BOOLEAN NOT NULL',
      ]),
      table('routing.learning_parameters', [
        'name VARCHAR(64) NOT NULL UNIQUE',
        'value DOUBLE PRECISION NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 21,
    slug: 'agents_schema',
    message: 'Create agents schema with instances, jobs and messages',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS agents;',
      table('agents.instances', [
        'agent_id VARCHAR(64) NOT NULL',
        'hostname VARCHAR(255)',
        "status VARCHAR(16) NOT NULL DEFAULT 'starting'",
        'heartbeat_at TIMESTAMPTZ',
      ]),
      table(
        'agents.jobs',
        [
          TENANT,
          'task VARCHAR(128) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
          'total_items INTEGER NOT NULL DEFAULT 0',
        ],
        { id: 'uuid', indexes: [['status']] },
      ),
      table(
        'agents.job_items',
        [
          'job_id UUID NOT NULL REFERENCES agents.jobs(id) ON DELETE CASCADE',
          'item_index INTEGER NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
          'result JSONB',
          'UNIQUE (job_id, item_index)',
        ],
        { id: 'uuid' },
      ),
      table('agents.messages', [
        'from_instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL',
        'to_instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL',
        'body JSONB NOT NULL',
        'read_at TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 22,
    slug: 'agents_credits',
    message: 'Add agent credit balances, ledger and invocations',
    sql: [
      table('agents.credit_balances', [
        'tenant_id VARCHAR(64) NOT NULL UNIQUE',
        'balance_cents BIGINT NOT NULL DEFAULT 0 CHECK (balance_cents >= 0)',
      ]),
      table(
        'agents.credit_ledger',
        [
          'balance_id BIGINT NOT NULL REFERENCES agents.credit_balances(id) ON DELETE CASCADE',
          'job_id UUID REFERENCES agents.jobs(id) ON DELETE SET NULL',
          'delta_cents BIGINT NOT NULL',
          'reason VARCHAR(64) NOT NULL',
        ],
        { indexes: [['balance_id']] },
      ),
      table('agents.invocations', [
        'job_id UUID REFERENCES agents.jobs(id) ON DELETE CASCADE',
        'instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL',
        'skill VARCHAR(64) NOT NULL',
        'duration_ms INTEGER',
      ]),
    ].join('\n\n'),
  },
  {
    n: 23,
    slug: 'agents_registry',
    message: 'Add agent registry, job cancellations and invoke audit',
    sql: [
      table('agents.agent_registry', [
        'agent_name VARCHAR(128) NOT NULL UNIQUE',
        "capabilities JSONB NOT NULL DEFAULT '[]'::jsonb",
        'enabled BOOLEAN NOT NULL DEFAULT true',
      ]),
      table('agents.job_cancellations', [
        'job_id UUID NOT NULL REFERENCES agents.jobs(id) ON DELETE CASCADE',
        'cancelled_by VARCHAR(128)',
        'reason TEXT',
      ]),
      table('agents.invoke_audit', [
        'invocation_id BIGINT REFERENCES agents.invocations(id) ON DELETE CASCADE',
        'caller VARCHAR(128) NOT NULL',
        'allowed BOOLEAN NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 24,
    slug: 'agents_governance',
    message: 'Add agent boundary violations, drift signals and strategy adjustments',
    sql: [
      table('agents.boundary_violations', [
        'agent_name VARCHAR(128) NOT NULL',
        'boundary VARCHAR(64) NOT NULL',
        'details JSONB',
      ]),
      table('agents.drift_signals', [
        'agent_name VARCHAR(128) NOT NULL',
        'metric VARCHAR(64) NOT NULL',
        'drift DOUBLE PRECISION NOT NULL',
      ]),
      table('agents.strategy_adjustments', [
        'agent_name VARCHAR(128) NOT NULL',
        'adjustment JSONB NOT NULL',
        'applied_at TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 25,
    slug: 'system_schema',
    message: 'Create system schema with memory pins and RBAC audit',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS system;',
      table('system.memory_pins', [
        TENANT,
        'key VARCHAR(255) NOT NULL',
        'value JSONB NOT NULL',
        'ttl_seconds INTEGER',
        'expires_at TIMESTAMPTZ',
        'UNIQUE (tenant_id, key)',
      ]),
      table('system.memory_audit', [
        TENANT,
        'key VARCHAR(255) NOT NULL',
        'operation VARCHAR(16) NOT NULL',
        'old_value_hash VARCHAR(64)',
        'new_value_hash VARCHAR(64)',
      ]),
      table('system.rbac_audit', [
        'subject VARCHAR(128) NOT NULL',
        'resource VARCHAR(128) NOT NULL',
        'action VARCHAR(32) NOT NULL',
        'allowed BOOLEAN NOT NULL',
      ]),
    ].join('\n\n'),
  },
];

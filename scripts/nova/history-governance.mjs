/**
 * Nova migrations 026–062: feature flags, traces (with the PL/pgSQL immutability trigger), incidents,
 * policy rules, learning, limits, the contracts schema, and the seeding migration 044.
 * Each entry is `{ n, slug, message, sql, transaction? }`; the generator numbers and links them.
 * `runs` and `agents` are never created by any of them: that is the reported defect.
 */
import { table } from './sql.mjs';

const TENANT = 'tenant_id VARCHAR(64) NOT NULL';

/** @type {Array<{ n: number, slug: string, message: string, sql: string, transaction?: boolean }>} */
export const GOVERNANCE = [
  {
    n: 26,
    slug: 'feature_flags',
    message: 'Add feature flags and tags',
    sql: [
      table('feature_flags', [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'enabled BOOLEAN NOT NULL DEFAULT false',
        'rollout_pct INTEGER NOT NULL DEFAULT 0 CHECK (rollout_pct BETWEEN 0 AND 100)',
      ]),
      table('feature_tags', [
        'tag VARCHAR(64) NOT NULL UNIQUE',
        'display_name VARCHAR(128)',
        'budget_snapshot NUMERIC(14, 4)',
      ]),
    ].join('\n\n'),
  },
  {
    n: 27,
    slug: 'killswitch_proxy_calls',
    message: 'Add killswitch state and proxy call log',
    sql: [
      table('killswitch_state', [
        "entity_type VARCHAR(16) NOT NULL CHECK (entity_type IN ('tenant', 'key', 'global'))",
        'entity_id VARCHAR(64) NOT NULL',
        'is_frozen BOOLEAN NOT NULL DEFAULT false',
        'frozen_at TIMESTAMPTZ',
        'frozen_by VARCHAR(128)',
        'UNIQUE (entity_type, entity_id)',
      ]),
      table(
        'proxy_calls',
        [
          TENANT,
          'api_key_id VARCHAR(64)',
          'endpoint VARCHAR(255) NOT NULL',
          'status_code INTEGER',
          'latency_ms INTEGER',
        ],
        { id: 'varchar', indexes: [['tenant_id', 'created_at']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 28,
    slug: 'aos_traces',
    message: 'Add AOS traces and trace steps',
    sql: [
      table(
        'aos_traces',
        [
          'trace_id VARCHAR(64) NOT NULL UNIQUE',
          'run_id VARCHAR(64) NOT NULL',
          TENANT,
          "status VARCHAR(16) NOT NULL DEFAULT 'running'",
          'started_at TIMESTAMPTZ NOT NULL DEFAULT now()',
          'completed_at TIMESTAMPTZ',
        ],
        { indexes: [['run_id'], ['tenant_id']] },
      ),
      table(
        'aos_trace_steps',
        [
          'trace_id VARCHAR(64) NOT NULL REFERENCES aos_traces(trace_id) ON DELETE CASCADE',
          'step_index INTEGER NOT NULL',
          'skill_name VARCHAR(64) NOT NULL',
          'outcome_category VARCHAR(32)',
          'duration_ms DOUBLE PRECISION',
          'UNIQUE (trace_id, step_index)',
        ],
        {},
      ),
    ].join('\n\n'),
  },
  {
    n: 29,
    slug: 'aos_trace_mismatches',
    message: 'Add trace mismatch reports',
    sql: table(
      'aos_trace_mismatches',
      [
        'trace_id VARCHAR(64) NOT NULL REFERENCES aos_traces(trace_id) ON DELETE CASCADE',
        'step_index INTEGER',
        'reason TEXT NOT NULL',
        'notified BOOLEAN NOT NULL DEFAULT false',
      ],
      { indexes: [['trace_id']] },
    ),
  },
  {
    n: 30,
    slug: 'aos_traces_retention',
    message: 'Add trace archive and retention log',
    sql: [
      table('aos_traces_archive', [
        'trace_id VARCHAR(64) NOT NULL',
        'payload JSONB NOT NULL',
        'archived_at TIMESTAMPTZ NOT NULL DEFAULT now()',
      ]),
      table('aos_traces_retention_log', [
        'archived_count INTEGER NOT NULL',
        'deleted_count INTEGER NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 31,
    slug: 's6_trace_immutability',
    message: 'Make trace steps immutable with a trigger',
    sql: [
      `CREATE OR REPLACE FUNCTION reject_trace_step_mutation() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Trace steps are evidence: they may be archived (deleted) but never rewritten.
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'aos_trace_steps is append-only (trace %, step %)', OLD.trace_id, OLD.step_index
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$fn$;`,
      `CREATE TRIGGER aos_trace_steps_immutable
    BEFORE UPDATE ON aos_trace_steps
    FOR EACH ROW EXECUTE FUNCTION reject_trace_step_mutation();`,
    ].join('\n\n'),
  },
  {
    n: 32,
    slug: 'audit_log_ledger',
    message: 'Add audit log and audit ledger',
    sql: [
      table(
        'audit_log',
        [
          TENANT,
          'actor VARCHAR(128)',
          'action VARCHAR(64) NOT NULL',
          'resource VARCHAR(128)',
          'details JSONB',
        ],
        { indexes: [['tenant_id', 'created_at']] },
      ),
      table(
        'audit_ledger',
        [
          TENANT,
          'event_type VARCHAR(64) NOT NULL',
          'entity_type VARCHAR(64) NOT NULL',
          'entity_id VARCHAR(64) NOT NULL',
          'prev_hash VARCHAR(64)',
          'hash VARCHAR(64) NOT NULL UNIQUE',
        ],
        { id: 'uuid' },
      ),
    ].join('\n\n'),
  },
  {
    n: 33,
    slug: 'incidents',
    message: 'Add incidents and incident events',
    sql: [
      table(
        'incidents',
        [
          TENANT,
          'title VARCHAR(255) NOT NULL',
          "severity VARCHAR(16) NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical'))",
          "status VARCHAR(16) NOT NULL DEFAULT 'open'",
          'trigger_type VARCHAR(64)',
          'resolved_at TIMESTAMPTZ',
        ],
        { id: 'varchar', indexes: [['tenant_id', 'status']] },
      ),
      table(
        'incident_events',
        [
          'incident_id VARCHAR(64) NOT NULL REFERENCES incidents(id) ON DELETE CASCADE',
          'event_type VARCHAR(64) NOT NULL',
          'description TEXT',
          'data JSONB',
        ],
        { id: 'varchar', indexes: [['incident_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 34,
    slug: 'incident_evidence',
    message: 'Add incident evidence',
    sql: table(
      'incident_evidence',
      [
        'incident_id VARCHAR(64) NOT NULL REFERENCES incidents(id) ON DELETE CASCADE',
        'evidence_type VARCHAR(32) NOT NULL',
        'content_hash VARCHAR(64) NOT NULL',
        'payload JSONB',
      ],
      { indexes: [['incident_id']] },
    ),
  },
  {
    n: 35,
    slug: 'policy_rules',
    message: 'Add policy rules, decisions and enforcements',
    sql: [
      table(
        'policy_rules',
        [
          TENANT,
          'name VARCHAR(128) NOT NULL',
          "enforcement_mode VARCHAR(16) NOT NULL DEFAULT 'warn' CHECK (enforcement_mode IN ('off', 'warn', 'block'))",
          'conditions JSONB NOT NULL',
          'is_active BOOLEAN NOT NULL DEFAULT true',
        ],
        { id: 'varchar', indexes: [['tenant_id', 'is_active']] },
      ),
      table(
        'policy_decisions',
        [
          'rule_id VARCHAR(64) REFERENCES policy_rules(id) ON DELETE SET NULL',
          'run_id VARCHAR(64)',
          'decision VARCHAR(16) NOT NULL',
        ],
        { indexes: [['rule_id']] },
      ),
      table(
        'policy_enforcements',
        [
          'rule_id VARCHAR(64) NOT NULL REFERENCES policy_rules(id) ON DELETE CASCADE',
          'run_id VARCHAR(64)',
          'action_taken VARCHAR(32) NOT NULL',
        ],
        { id: 'varchar', indexes: [['rule_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 36,
    slug: 'policy_proposals',
    message: 'Add policy proposals and versions',
    sql: [
      table(
        'policy_proposals',
        [
          TENANT,
          'proposal_name VARCHAR(128) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected'))",
          'rule_draft JSONB NOT NULL',
          'reviewed_by VARCHAR(128)',
        ],
        { id: 'uuid' },
      ),
      table(
        'policy_versions',
        [
          'proposal_id UUID NOT NULL REFERENCES policy_proposals(id) ON DELETE CASCADE',
          'version INTEGER NOT NULL',
          'rule_snapshot JSONB NOT NULL',
          'UNIQUE (proposal_id, version)',
        ],
        { id: 'uuid' },
      ),
    ].join('\n\n'),
  },
  {
    n: 37,
    slug: 'policy_library',
    message: 'Add policy library',
    sql: table('policy_library', [
      'template_name VARCHAR(128) NOT NULL UNIQUE',
      'category VARCHAR(32) NOT NULL',
      'template JSONB NOT NULL',
    ]),
  },
  {
    n: 38,
    slug: 'prediction_events',
    message: 'Add prediction events',
    sql: table(
      'prediction_events',
      [
        TENANT,
        'prediction_type VARCHAR(32) NOT NULL',
        'subject_id VARCHAR(64) NOT NULL',
        'confidence DOUBLE PRECISION',
        'contributing_factors JSONB',
      ],
      { id: 'uuid', indexes: [['tenant_id', 'created_at']] },
    ),
  },
  {
    n: 39,
    slug: 'loop_events',
    message: 'Add integration loop events and traces',
    sql: [
      table(
        'loop_events',
        [TENANT, 'incident_id VARCHAR(64)', 'stage VARCHAR(32) NOT NULL', 'details JSONB'],
        {
          id: 'uuid',
          indexes: [['incident_id']],
        },
      ),
      table(
        'loop_traces',
        [
          TENANT,
          'incident_id VARCHAR(64)',
          'stages JSONB NOT NULL',
          'is_complete BOOLEAN NOT NULL DEFAULT false',
        ],
        { id: 'uuid' },
      ),
    ].join('\n\n'),
  },
  {
    n: 40,
    slug: 'pattern_feedback',
    message: 'Add pattern feedback and calibrations',
    sql: [
      table(
        'pattern_feedback',
        [TENANT, 'pattern_type VARCHAR(32) NOT NULL', 'description TEXT', 'signature VARCHAR(128)'],
        { id: 'uuid' },
      ),
      table('pattern_calibrations', [
        'pattern_type VARCHAR(32) NOT NULL UNIQUE',
        'threshold DOUBLE PRECISION NOT NULL',
        'sample_size INTEGER NOT NULL DEFAULT 0',
      ]),
    ].join('\n\n'),
  },
  {
    n: 41,
    slug: 'signal_feedback',
    message: 'Add signal feedback, accuracy, recommendations and threshold signals',
    sql: [
      table('signal_feedback', [
        TENANT,
        'signal_id VARCHAR(64) NOT NULL',
        'useful BOOLEAN NOT NULL',
      ]),
      table('signal_accuracy', [
        'signal_type VARCHAR(32) NOT NULL UNIQUE',
        'precision_pct DOUBLE PRECISION',
        'recall_pct DOUBLE PRECISION',
      ]),
      table('signal_recommendations', [
        TENANT,
        'signal_type VARCHAR(32) NOT NULL',
        'recommendation TEXT NOT NULL',
      ]),
      table('threshold_signals', [
        TENANT,
        'metric VARCHAR(64) NOT NULL',
        'threshold DOUBLE PRECISION NOT NULL',
        'observed DOUBLE PRECISION NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 42,
    slug: 'routing_policy_adjustments',
    message: 'Add routing policy adjustments',
    sql: table('routing_policy_adjustments', [
      'agent_id VARCHAR(64) NOT NULL',
      'adjustment_type VARCHAR(32) NOT NULL',
      'magnitude DOUBLE PRECISION NOT NULL',
      'is_active BOOLEAN NOT NULL DEFAULT true',
    ]),
  },
  {
    n: 43,
    slug: 'm25_graduation_status',
    message: 'Add M25 graduation status and history',
    sql: [
      table(
        'm25_graduation_status',
        [
          "current_level VARCHAR(16) NOT NULL CHECK (current_level IN ('alpha', 'beta', 'candidate', 'complete'))",
          'gates_passed INTEGER NOT NULL DEFAULT 0',
          'last_evaluated_at TIMESTAMPTZ',
          'notes TEXT',
        ],
        { id: 'serial' },
      ),
      table('graduation_history', [
        'from_level VARCHAR(16) NOT NULL',
        'to_level VARCHAR(16) NOT NULL',
        'evidence JSONB',
      ]),
    ].join('\n\n'),
  },
  {
    n: 44,
    slug: 'seed_m25_graduation_status',
    message: 'Seed the initial M25 graduation status row',
    // Deliberately a plain INSERT (no key, no ON CONFLICT): applying it twice leaves two rows, so
    // a runner that re-applies a committed migration after a crash is caught by a row count.
    sql: `INSERT INTO m25_graduation_status (current_level, gates_passed, notes)
VALUES ('alpha', 0, 'seeded by 044_seed_m25_graduation_status');`,
  },
  {
    n: 45,
    slug: 'human_checkpoints',
    message: 'Add human checkpoints and checkpoint configs',
    sql: [
      table(
        'checkpoint_configs',
        [
          TENANT,
          'checkpoint_type VARCHAR(32) NOT NULL',
          'timeout_seconds INTEGER NOT NULL DEFAULT 3600',
          'UNIQUE (tenant_id, checkpoint_type)',
        ],
        { id: 'varchar' },
      ),
      table(
        'human_checkpoints',
        [
          TENANT,
          'config_id VARCHAR(64) REFERENCES checkpoint_configs(id) ON DELETE SET NULL',
          'run_id VARCHAR(64) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
          'resolved_by VARCHAR(128)',
        ],
        { id: 'varchar', indexes: [['run_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 46,
    slug: 'regret_events',
    message: 'Add regret events and policy regret summary',
    sql: [
      table(
        'regret_events',
        [
          TENANT,
          'policy_id VARCHAR(64) NOT NULL',
          'regret_type VARCHAR(32) NOT NULL',
          'severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 10)',
        ],
        { id: 'uuid' },
      ),
      table('policy_regret_summary', [
        'policy_id VARCHAR(64) NOT NULL UNIQUE',
        'regret_score DOUBLE PRECISION NOT NULL DEFAULT 0',
        'demoted_at TIMESTAMPTZ',
      ]),
    ].join('\n\n'),
  },
  {
    n: 47,
    slug: 'learning_suggestions',
    message: 'Add learning suggestions and lessons learned',
    sql: [
      table(
        'learning_suggestions',
        [
          TENANT,
          'suggestion_type VARCHAR(32) NOT NULL',
          'body TEXT NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
        ],
        { id: 'uuid' },
      ),
      table(
        'lessons_learned',
        [
          TENANT,
          'source_event_type VARCHAR(32) NOT NULL',
          'title VARCHAR(255) NOT NULL',
          'description TEXT',
        ],
        { id: 'uuid', indexes: [['tenant_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 48,
    slug: 'failure_pattern_exports',
    message: 'Add failure pattern exports',
    sql: table('failure_pattern_exports', [
      'pattern_id INTEGER NOT NULL REFERENCES failure_patterns(id) ON DELETE CASCADE',
      'destination VARCHAR(64) NOT NULL',
      'exported_at TIMESTAMPTZ',
    ]),
  },
  {
    n: 49,
    slug: 'limits',
    message: 'Add limits, breaches, overrides and integrity',
    sql: [
      table(
        'limits',
        [
          TENANT,
          "limit_category VARCHAR(16) NOT NULL CHECK (limit_category IN ('budget', 'rate', 'threshold'))",
          'max_value NUMERIC(18, 4) NOT NULL',
          "status VARCHAR(16) NOT NULL DEFAULT 'active'",
        ],
        { id: 'varchar', indexes: [['tenant_id']] },
      ),
      table(
        'limit_breaches',
        [
          'limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE',
          'value_at_breach NUMERIC(18, 4)',
          'breached_at TIMESTAMPTZ NOT NULL DEFAULT now()',
        ],
        { id: 'varchar', indexes: [['limit_id']] },
      ),
      table(
        'limit_overrides',
        [
          'limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE',
          'override_value NUMERIC(18, 4) NOT NULL',
          'expires_at TIMESTAMPTZ',
        ],
        { id: 'varchar' },
      ),
      table(
        'limit_integrity',
        [
          'limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE',
          'integrity_status VARCHAR(16) NOT NULL',
        ],
        { id: 'varchar' },
      ),
    ].join('\n\n'),
  },
  {
    n: 50,
    slug: 'capability_lockouts',
    message: 'Add capability lockouts',
    sql: table('capability_lockouts', [
      TENANT,
      'capability VARCHAR(64) NOT NULL',
      'reason TEXT',
      'locked_until TIMESTAMPTZ',
    ]),
  },
  {
    n: 51,
    slug: 'gcl_audit',
    message: 'Add governance control log, anchors and replay requests',
    sql: [
      table(
        'gcl_audit_log',
        [
          TENANT,
          'event_type VARCHAR(64) NOT NULL',
          'payload_hash VARCHAR(64) NOT NULL',
          'prev_hash VARCHAR(64)',
        ],
        { indexes: [['tenant_id', 'created_at']] },
      ),
      table('gcl_daily_anchors', [
        'anchor_date DATE NOT NULL UNIQUE',
        'merkle_root VARCHAR(64) NOT NULL',
      ]),
      table('gcl_anchor_verifications', [
        'anchor_id BIGINT NOT NULL REFERENCES gcl_daily_anchors(id) ON DELETE CASCADE',
        'verified BOOLEAN NOT NULL',
      ]),
      table('gcl_replay_requests', [
        TENANT,
        'requested_by VARCHAR(128) NOT NULL',
        'range_start TIMESTAMPTZ NOT NULL',
        'range_end TIMESTAMPTZ NOT NULL',
        'CHECK (range_end > range_start)',
      ]),
    ].join('\n\n'),
  },
  {
    n: 52,
    slug: 'confidence_audit_log',
    message: 'Add confidence audit log',
    sql: table('confidence_audit_log', [
      'subject_type VARCHAR(32) NOT NULL',
      'subject_id VARCHAR(64) NOT NULL',
      'old_confidence DOUBLE PRECISION',
      'new_confidence DOUBLE PRECISION NOT NULL',
    ]),
  },
  {
    n: 53,
    slug: 'coordination_audit_records',
    message: 'Add coordination audit records',
    sql: table(
      'coordination_audit_records',
      [
        TENANT,
        'coordinator VARCHAR(64) NOT NULL',
        'decision VARCHAR(32) NOT NULL',
        'participants JSONB',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 54,
    slug: 'contracts_decision_records',
    message: 'Create contracts schema with decision records',
    sql: [
      'CREATE SCHEMA IF NOT EXISTS contracts;',
      table(
        'contracts.decision_records',
        [
          'decision_type VARCHAR(32) NOT NULL',
          'decision_source VARCHAR(32) NOT NULL',
          'run_id VARCHAR(64)',
          'decision_outcome VARCHAR(32) NOT NULL',
          'details JSONB',
        ],
        { id: 'uuid', indexes: [['run_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 55,
    slug: 'external_responses',
    message: 'Add external responses',
    sql: table(
      'external_responses',
      [
        'run_id VARCHAR(64) NOT NULL',
        'provider VARCHAR(32) NOT NULL',
        'raw_response JSONB',
        'interpreted_value JSONB',
      ],
      { id: 'uuid', indexes: [['run_id']] },
    ),
  },
  {
    n: 56,
    slug: 'default_guardrails',
    message: 'Add default guardrails',
    sql: table(
      'default_guardrails',
      [
        'name VARCHAR(128) NOT NULL UNIQUE',
        'category VARCHAR(32) NOT NULL',
        'rule_config JSONB NOT NULL',
        'is_enabled BOOLEAN NOT NULL DEFAULT true',
      ],
      { id: 'varchar' },
    ),
  },
  {
    n: 57,
    slug: 'policy_scopes',
    message: 'Add policy scopes and precedence',
    sql: [
      table(
        'policy_scopes',
        [
          TENANT,
          "scope_type VARCHAR(16) NOT NULL CHECK (scope_type IN ('all_runs', 'agent', 'api_key', 'human_actor'))",
          'scope_value VARCHAR(128)',
        ],
        { id: 'varchar' },
      ),
      table(
        'policy_precedence',
        [
          'policy_id VARCHAR(64) NOT NULL',
          'precedence INTEGER NOT NULL DEFAULT 100',
          "conflict_strategy VARCHAR(16) NOT NULL DEFAULT 'most_restrictive'",
        ],
        { id: 'varchar' },
      ),
    ].join('\n\n'),
  },
  {
    n: 58,
    slug: 'policy_override',
    message: 'Add policy override authority and records',
    sql: [
      table(
        'policy_override_authority',
        [
          'policy_id VARCHAR(64) NOT NULL UNIQUE',
          'override_allowed BOOLEAN NOT NULL DEFAULT false',
          'allowed_roles JSONB',
        ],
        { id: 'varchar' },
      ),
      table(
        'policy_override_records',
        [
          'authority_id VARCHAR(64) NOT NULL REFERENCES policy_override_authority(id) ON DELETE CASCADE',
          'overridden_by VARCHAR(128) NOT NULL',
          'reason TEXT NOT NULL',
        ],
        { id: 'varchar' },
      ),
    ].join('\n\n'),
  },
  {
    n: 59,
    slug: 'policy_approval_levels',
    message: 'Add policy approval levels',
    sql: table('policy_approval_levels', [
      'policy_type VARCHAR(32) NOT NULL UNIQUE',
      'approval_level INTEGER NOT NULL CHECK (approval_level BETWEEN 1 AND 5)',
      'auto_approve_max_cost_cents INTEGER',
    ]),
  },
  {
    n: 60,
    slug: 'policy_simulation',
    message: 'Add policy simulation results and snapshots',
    sql: [
      table(
        'policy_snapshots',
        [
          TENANT,
          'content_hash VARCHAR(64) NOT NULL UNIQUE',
          'policies_json JSONB NOT NULL',
          'thresholds_json JSONB NOT NULL',
        ],
        { id: 'varchar' },
      ),
      table('policy_simulation_results', [
        'snapshot_id VARCHAR(64) NOT NULL REFERENCES policy_snapshots(id) ON DELETE CASCADE',
        'runs_evaluated INTEGER NOT NULL',
        'would_block INTEGER NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 61,
    slug: 'policy_activation',
    message: 'Add policy activation log and audit',
    sql: [
      table('policy_activation_log', [
        'policy_id VARCHAR(64) NOT NULL',
        'activated_by VARCHAR(128) NOT NULL',
        'activated BOOLEAN NOT NULL',
      ]),
      table('policy_activation_audit', [
        'policy_id VARCHAR(64) NOT NULL',
        'checks JSONB NOT NULL',
        'passed BOOLEAN NOT NULL',
      ]),
    ].join('\n\n'),
  },
  {
    n: 62,
    slug: 'policy_monitoring',
    message: 'Add policy monitor and alert configs',
    sql: [
      table('policy_monitor_configs', [
        'policy_id VARCHAR(64) NOT NULL UNIQUE',
        'monitor_tokens BOOLEAN NOT NULL DEFAULT true',
        'monitor_cost BOOLEAN NOT NULL DEFAULT true',
      ]),
      table('policy_alert_configs', [
        'policy_id VARCHAR(64) NOT NULL UNIQUE',
        'near_threshold_pct INTEGER NOT NULL DEFAULT 80 CHECK (near_threshold_pct BETWEEN 1 AND 100)',
        'channels JSONB',
      ]),
    ].join('\n\n'),
  },
];

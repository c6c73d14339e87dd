/**
 * Nova migrations 100–124: the non-transactional CONCURRENTLY index (100), later `runs` columns (104,
 * 110, 112), 115 altering the dropped `sdsr_incidents`, and the W-phase tables.
 * Each entry is `{ n, slug, message, sql, transaction? }`; the generator numbers and links them.
 * `runs` and `agents` are never created by any of them: that is the reported defect.
 */
import { table, index, addColumns } from './sql.mjs';

const TENANT = 'tenant_id VARCHAR(64) NOT NULL';

/** The unguarded body of 115, exactly as the report quotes the failing statement. */
export const M115_UNGUARDED = [
  addColumns('incidents', [
    'inflection_step_index INTEGER',
    'inflection_timestamp TIMESTAMPTZ',
    'inflection_context JSONB',
  ]),
  'ALTER TABLE sdsr_incidents ADD COLUMN inflection_step_index INTEGER;',
].join('\n\n');

/** The fixed body of 115: the `sdsr_incidents` ALTER only runs while that table exists. */
export const M115_GUARDED = [
  addColumns('incidents', [
    'inflection_step_index INTEGER',
    'inflection_timestamp TIMESTAMPTZ',
    'inflection_context JSONB',
  ]),
  `-- 075 consolidated sdsr_incidents into incidents and dropped it: only alter it where it survives.
DO $guard$
BEGIN
    IF to_regclass('public.sdsr_incidents') IS NOT NULL THEN
        ALTER TABLE sdsr_incidents ADD COLUMN IF NOT EXISTS inflection_step_index INTEGER;
    END IF;
END
$guard$;`,
].join('\n\n');

/** @type {Array<{ n: number, slug: string, message: string, sql: string, transaction?: boolean }>} */
export const LATE = [
  {
    n: 100,
    slug: 'aos_traces_status_index_concurrently',
    message: 'Index aos_traces by status without locking writes',
    transaction: false,
    // One statement only: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and
    // IF NOT EXISTS makes a re-run after an interruption harmless.
    sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_aos_traces_status_started_at ON aos_traces (status, started_at);',
  },
  {
    n: 101,
    slug: 'tenants_updated_at_trigger',
    message: 'Maintain tenants.updated_at with a trigger',
    sql: [
      'ALTER TABLE tenants ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();',
      `CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;`,
      `CREATE TRIGGER tenants_set_updated_at
    BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();`,
    ].join('\n\n'),
  },
  {
    n: 102,
    slug: 'api_keys_usage_columns',
    message: 'Track API key names and last use',
    sql: addColumns('api_keys', ['name VARCHAR(128)', 'last_used_at TIMESTAMPTZ']),
  },
  {
    n: 103,
    slug: 'limits_scope_columns',
    message: 'Add scope and reset period to limits',
    sql: [
      addColumns('limits', [
        "scope VARCHAR(16) NOT NULL DEFAULT 'tenant'",
        'reset_period VARCHAR(16)',
      ]),
      "ALTER TABLE limits ADD CONSTRAINT ck_limits_reset_period CHECK (reset_period IS NULL OR reset_period IN ('daily', 'weekly', 'monthly'));",
    ].join('\n'),
  },
  {
    n: 104,
    slug: 'run_actor_attribution',
    message: 'Add actor attribution to runs',
    sql: [
      addColumns('runs', [
        'actor_type VARCHAR(16)',
        'actor_id VARCHAR(64)',
        'origin_system_id VARCHAR(64)',
      ]),
      index('runs', ['actor_type', 'actor_id']),
    ].join('\n'),
  },
  {
    n: 105,
    slug: 'incident_events_actor',
    message: 'Add actor to incident events',
    sql: addColumns('incident_events', ['actor_type VARCHAR(16)', 'actor_id VARCHAR(64)']),
  },
  {
    n: 106,
    slug: 'policy_proposals_effective_from',
    message: 'Add effective_from to policy proposals',
    sql: addColumns('policy_proposals', ['effective_from TIMESTAMPTZ']),
  },
  {
    n: 107,
    slug: 'cost_records_feature_tag',
    message: 'Attribute cost records to feature tags',
    sql: [
      addColumns('cost_records', [
        'feature_tag VARCHAR(64) REFERENCES feature_tags(tag) ON DELETE SET NULL',
      ]),
      index('cost_records', ['feature_tag']),
    ].join('\n'),
  },
  {
    n: 108,
    slug: 'killswitch_reason',
    message: 'Record why a killswitch was engaged',
    sql: addColumns('killswitch_state', [
      'reason TEXT',
      'auto_triggered BOOLEAN NOT NULL DEFAULT false',
    ]),
  },
  {
    n: 109,
    slug: 'llm_run_records_indexes',
    message: 'Index LLM run records',
    sql: [
      index('llm_run_records', ['run_id']),
      index('llm_run_records', ['tenant_id', 'created_at']),
    ].join('\n'),
  },
  {
    n: 110,
    slug: 'run_policy_termination',
    message: 'Record policy termination on runs',
    sql: addColumns('runs', [
      'policy_snapshot_id VARCHAR(64)',
      'termination_reason VARCHAR(64)',
      'stopped_at_step INTEGER',
      'violation_policy_id VARCHAR(64)',
    ]),
  },
  {
    n: 111,
    slug: 'worker_registry_capabilities',
    message: 'Add capabilities to the worker registry',
    sql: addColumns('worker_registry', [
      "capabilities JSONB NOT NULL DEFAULT '[]'::jsonb",
      'version VARCHAR(32)',
    ]),
  },
  {
    n: 112,
    slug: 'run_observability_status',
    message: 'Add observability status to runs',
    sql: addColumns('runs', [
      "observability_status VARCHAR(16) NOT NULL DEFAULT 'PENDING'",
      'observability_error TEXT',
    ]),
  },
  {
    n: 113,
    slug: 'support_tickets_priority',
    message: 'Add priority to support tickets',
    sql: addColumns('support_tickets', [
      "priority VARCHAR(8) NOT NULL DEFAULT 'p3' CHECK (priority IN ('p1', 'p2', 'p3', 'p4'))",
    ]),
  },
  {
    n: 114,
    slug: 'log_exports_status',
    message: 'Track log export status',
    sql: addColumns('log_exports', [
      "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
      'completed_at TIMESTAMPTZ',
      'artifact_uri TEXT',
    ]),
  },
  {
    n: 115,
    slug: 'add_inflection_point_metadata',
    message: 'Add inflection point metadata to incidents',
    sql: M115_UNGUARDED,
  },
  {
    n: 116,
    slug: 'w2_audit_events',
    message: 'W2: add audit events',
    sql: table(
      'audit_events',
      [
        TENANT,
        'actor_type VARCHAR(16) NOT NULL',
        'actor_id VARCHAR(64)',
        'action VARCHAR(64) NOT NULL',
        'resource_type VARCHAR(64) NOT NULL',
        'resource_id VARCHAR(64)',
        'details JSONB',
      ],
      {
        id: 'uuid',
        indexes: [
          ['tenant_id', 'created_at'],
          ['resource_type', 'resource_id'],
        ],
      },
    ),
  },
  {
    n: 117,
    slug: 'w2_budget_envelopes',
    message: 'W2: add budget envelopes and usage history',
    sql: [
      table(
        'budget_envelopes',
        [
          TENANT,
          'scope VARCHAR(32) NOT NULL',
          'limit_cents BIGINT NOT NULL CHECK (limit_cents >= 0)',
          'spent_cents BIGINT NOT NULL DEFAULT 0',
          'period_start DATE NOT NULL',
          'period_end DATE NOT NULL',
          'CHECK (period_end > period_start)',
        ],
        { id: 'uuid', indexes: [['tenant_id', 'period_start']] },
      ),
      table(
        'budget_usage_history',
        [
          'envelope_id UUID NOT NULL REFERENCES budget_envelopes(id) ON DELETE CASCADE',
          'delta_cents BIGINT NOT NULL',
          'run_id VARCHAR(64)',
        ],
        { indexes: [['envelope_id']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 118,
    slug: 'w2_knowledge_planes',
    message: 'W2: add knowledge planes',
    sql: table(
      'knowledge_planes',
      [
        TENANT,
        'name VARCHAR(128) NOT NULL',
        "status VARCHAR(16) NOT NULL DEFAULT 'draft'",
        'config JSONB',
        'UNIQUE (tenant_id, name)',
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 119,
    slug: 'w2_mcp_servers',
    message: 'W2: add MCP servers, tools and invocations',
    sql: [
      table(
        'mcp_servers',
        [
          TENANT,
          'name VARCHAR(128) NOT NULL',
          'url TEXT NOT NULL',
          "transport VARCHAR(16) NOT NULL DEFAULT 'http'",
          "status VARCHAR(16) NOT NULL DEFAULT 'pending'",
          'UNIQUE (tenant_id, name)',
        ],
        { id: 'uuid' },
      ),
      table(
        'mcp_tools',
        [
          'server_id UUID NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE',
          'tool_name VARCHAR(128) NOT NULL',
          'input_schema JSONB',
          "risk_level VARCHAR(16) NOT NULL DEFAULT 'low'",
          'UNIQUE (server_id, tool_name)',
        ],
        { id: 'uuid' },
      ),
      table(
        'mcp_tool_invocations',
        [
          'tool_id UUID NOT NULL REFERENCES mcp_tools(id) ON DELETE CASCADE',
          'run_id VARCHAR(64)',
          'duration_ms INTEGER',
          'succeeded BOOLEAN NOT NULL',
        ],
        { id: 'uuid', indexes: [['tool_id', 'created_at']] },
      ),
    ].join('\n\n'),
  },
  {
    n: 120,
    slug: 'add_is_frozen_to_api_keys',
    message: 'Add is_frozen to api_keys',
    sql: addColumns('api_keys', [
      'is_frozen BOOLEAN NOT NULL DEFAULT false',
      'frozen_at TIMESTAMPTZ',
    ]),
  },
  {
    n: 121,
    slug: 'add_costsim_canary_reports',
    message: 'Add costsim canary reports',
    sql: table(
      'costsim_canary_reports',
      [
        'run_at TIMESTAMPTZ NOT NULL',
        "status VARCHAR(16) NOT NULL CHECK (status IN ('pass', 'fail', 'error'))",
        'total_samples INTEGER NOT NULL',
        'drift_score DOUBLE PRECISION',
        'report JSONB',
      ],
      { id: 'varchar' },
    ),
  },
  {
    n: 122,
    slug: 'knowledge_plane_registry',
    message: 'Add knowledge plane registry',
    sql: table(
      'knowledge_plane_registry',
      [
        'plane_id UUID NOT NULL UNIQUE REFERENCES knowledge_planes(id) ON DELETE CASCADE',
        'plane_key VARCHAR(128) NOT NULL UNIQUE',
        "lifecycle_state VARCHAR(16) NOT NULL DEFAULT 'registered'",
      ],
      { id: 'uuid' },
    ),
  },
  {
    n: 123,
    slug: 'incidents_source_run_fk',
    message: 'Link incidents to their source run',
    sql: [
      addColumns('incidents', ['source_run_id VARCHAR(64) REFERENCES runs(id) ON DELETE SET NULL']),
      index('incidents', ['source_run_id']),
    ].join('\n'),
  },
  {
    n: 124,
    slug: 'prevention_records_run_id',
    message: 'Link prevention records to runs',
    sql: [
      addColumns('prevention_records', [
        'run_id VARCHAR(64) REFERENCES runs(id) ON DELETE SET NULL',
      ]),
      index('prevention_records', ['run_id']),
      `CREATE VIEW v_prevention_by_run AS
SELECT run_id, count(*) AS preventions
FROM prevention_records
GROUP BY run_id;`,
    ].join('\n'),
  },
];

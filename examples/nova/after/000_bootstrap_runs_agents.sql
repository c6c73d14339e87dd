-- revision: 000_bootstrap_runs_agents
-- down_revision:
-- message: Bootstrap ORM-owned runs and agents base tables

-- runs and agents were created only by the ORM at application startup, yet migrations 065
-- and 073 alter them. Creating their base schemas here makes the chain self-contained; IF NOT
-- EXISTS keeps it harmless on databases the ORM already bootstrapped.
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR(64) PRIMARY KEY,
    agent_id VARCHAR(64) NOT NULL,
    tenant_id VARCHAR(64),
    goal TEXT NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    priority INTEGER NOT NULL DEFAULT 0,
    idempotency_key VARCHAR(128),
    parent_run_id VARCHAR(64),
    plan_json TEXT,
    tool_calls_json TEXT,
    error_message TEXT,
    duration_ms DOUBLE PRECISION,
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT now(),
    started_at TIMESTAMP,
    completed_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS ix_runs_agent_id ON runs (agent_id);
CREATE INDEX IF NOT EXISTS ix_runs_tenant_id ON runs (tenant_id);
CREATE INDEX IF NOT EXISTS ix_runs_status ON runs (status);
CREATE INDEX IF NOT EXISTS ix_runs_created_at ON runs (created_at);
CREATE INDEX IF NOT EXISTS ix_runs_idempotency_key ON runs (idempotency_key);

CREATE TABLE IF NOT EXISTS agents (
    id VARCHAR(64) PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    status VARCHAR(32) NOT NULL DEFAULT 'active',
    tenant_id VARCHAR(64),
    owner_id VARCHAR(64),
    capabilities_json TEXT,
    planner_config_json TEXT,
    rate_limit_rpm INTEGER NOT NULL DEFAULT 60,
    concurrency_limit INTEGER NOT NULL DEFAULT 5,
    budget_cents INTEGER NOT NULL DEFAULT 0,
    spent_cents INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT now(),
    updated_at TIMESTAMP NOT NULL DEFAULT now(),
    last_active_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS ix_agents_tenant_id ON agents (tenant_id);
CREATE INDEX IF NOT EXISTS ix_agents_name ON agents (name);

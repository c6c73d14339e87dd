-- Fix for the failure at 073 (relation "agents" does not exist): the base table the ORM would
-- have created, 16 columns and 2 indexes. Apply once before resuming; safe to apply twice.

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

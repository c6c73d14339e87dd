-- Fix for the failure at 065 (relation "runs" does not exist): the base table the ORM would have
-- created, 18 columns and 5 indexes. Apply once before resuming; safe to apply twice.

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

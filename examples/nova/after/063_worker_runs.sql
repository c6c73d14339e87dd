-- revision: 063_worker_runs
-- down_revision: 062_policy_monitoring
-- message: Add worker runs and worker configs

CREATE TABLE worker_configs (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    worker_id VARCHAR(64) NOT NULL,
    config JSONB NOT NULL,
    UNIQUE (tenant_id, worker_id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE worker_runs (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    worker_id VARCHAR(64) NOT NULL,
    task TEXT NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'queued',
    total_tokens INTEGER,
    completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_worker_runs_worker_id_status ON worker_runs (worker_id, status);

-- revision: 045_human_checkpoints
-- down_revision: 044_seed_m25_graduation_status
-- message: Add human checkpoints and checkpoint configs

CREATE TABLE checkpoint_configs (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    checkpoint_type VARCHAR(32) NOT NULL,
    timeout_seconds INTEGER NOT NULL DEFAULT 3600,
    UNIQUE (tenant_id, checkpoint_type),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE human_checkpoints (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    config_id VARCHAR(64) REFERENCES checkpoint_configs(id) ON DELETE SET NULL,
    run_id VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    resolved_by VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_human_checkpoints_run_id ON human_checkpoints (run_id);

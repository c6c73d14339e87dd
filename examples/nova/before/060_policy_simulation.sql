-- revision: 060_policy_simulation
-- down_revision: 059_policy_approval_levels
-- message: Add policy simulation results and snapshots

CREATE TABLE policy_snapshots (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    content_hash VARCHAR(64) NOT NULL UNIQUE,
    policies_json JSONB NOT NULL,
    thresholds_json JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_simulation_results (
    id BIGSERIAL PRIMARY KEY,
    snapshot_id VARCHAR(64) NOT NULL REFERENCES policy_snapshots(id) ON DELETE CASCADE,
    runs_evaluated INTEGER NOT NULL,
    would_block INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 046_regret_events
-- down_revision: 045_human_checkpoints
-- message: Add regret events and policy regret summary

CREATE TABLE regret_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    policy_id VARCHAR(64) NOT NULL,
    regret_type VARCHAR(32) NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 10),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_regret_summary (
    id BIGSERIAL PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL UNIQUE,
    regret_score DOUBLE PRECISION NOT NULL DEFAULT 0,
    demoted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

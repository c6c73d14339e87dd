-- revision: 062_policy_monitoring
-- down_revision: 061_policy_activation
-- message: Add policy monitor and alert configs

CREATE TABLE policy_monitor_configs (
    id BIGSERIAL PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL UNIQUE,
    monitor_tokens BOOLEAN NOT NULL DEFAULT true,
    monitor_cost BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_alert_configs (
    id BIGSERIAL PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL UNIQUE,
    near_threshold_pct INTEGER NOT NULL DEFAULT 80 CHECK (near_threshold_pct BETWEEN 1 AND 100),
    channels JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 019_temporal_policies
-- down_revision: 018_policy_dependencies
-- message: Add temporal policies and metric windows

CREATE TABLE policy.temporal_policies (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    metric VARCHAR(64) NOT NULL,
    window_seconds INTEGER NOT NULL CHECK (window_seconds > 0),
    max_value DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.temporal_metric_windows (
    id BIGSERIAL PRIMARY KEY,
    temporal_policy_id BIGINT NOT NULL REFERENCES policy.temporal_policies(id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ NOT NULL,
    value DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.temporal_metric_events (
    id BIGSERIAL PRIMARY KEY,
    metric VARCHAR(64) NOT NULL,
    scope_key VARCHAR(128) NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_temporal_metric_events_metric_created_at ON policy.temporal_metric_events (metric, created_at);

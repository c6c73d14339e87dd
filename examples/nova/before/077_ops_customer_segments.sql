-- revision: 077_ops_customer_segments
-- down_revision: 076_ops_events
-- message: Add ops customer segments and alert thresholds

CREATE TABLE ops_customer_segments (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL UNIQUE,
    segment VARCHAR(32) NOT NULL,
    computed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE ops_alert_thresholds (
    id BIGSERIAL PRIMARY KEY,
    metric VARCHAR(64) NOT NULL UNIQUE,
    warn_at DOUBLE PRECISION NOT NULL,
    critical_at DOUBLE PRECISION NOT NULL,
    CHECK (critical_at >= warn_at),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

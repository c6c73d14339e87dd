-- revision: 076_ops_events
-- down_revision: 075_consolidate_sdsr_incidents
-- message: Add ops events and tenant metrics

CREATE TABLE ops_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    severity INTEGER,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_ops_events_tenant_id_created_at ON ops_events (tenant_id, created_at);

CREATE TABLE ops_tenant_metrics (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL UNIQUE,
    stickiness_7d DOUBLE PRECISION,
    churn_risk DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 038_prediction_events
-- down_revision: 037_policy_library
-- message: Add prediction events

CREATE TABLE prediction_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    prediction_type VARCHAR(32) NOT NULL,
    subject_id VARCHAR(64) NOT NULL,
    confidence DOUBLE PRECISION,
    contributing_factors JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_prediction_events_tenant_id_created_at ON prediction_events (tenant_id, created_at);

-- revision: 039_loop_events
-- down_revision: 038_prediction_events
-- message: Add integration loop events and traces

CREATE TABLE loop_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    incident_id VARCHAR(64),
    stage VARCHAR(32) NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_loop_events_incident_id ON loop_events (incident_id);

CREATE TABLE loop_traces (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    incident_id VARCHAR(64),
    stages JSONB NOT NULL,
    is_complete BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 081_system_records
-- down_revision: 080_telemetry
-- message: Add system records

CREATE TABLE system_records (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    component VARCHAR(64) NOT NULL,
    event_type VARCHAR(32) NOT NULL,
    severity VARCHAR(16) NOT NULL,
    summary TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 071_infra_error_events
-- down_revision: 070_discovery_ledger
-- message: Add infrastructure error events

CREATE TABLE infra_error_events (
    id BIGSERIAL PRIMARY KEY,
    component VARCHAR(64) NOT NULL,
    error_class VARCHAR(128) NOT NULL,
    message TEXT,
    context JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_infra_error_events_component_created_at ON infra_error_events (component, created_at);

-- revision: 080_telemetry
-- down_revision: 079_log_exports
-- message: Add telemetry events and cleanup log

CREATE TABLE telemetry_event (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    source VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_telemetry_event_tenant_id_created_at ON telemetry_event (tenant_id, created_at);

CREATE TABLE telemetry_cleanup_log (
    id BIGSERIAL PRIMARY KEY,
    deleted_rows INTEGER NOT NULL,
    cutoff TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

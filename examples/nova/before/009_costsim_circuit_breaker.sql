-- revision: 009_costsim_circuit_breaker
-- down_revision: 008_m11_audit_schema
-- message: Add costsim circuit breaker tables

CREATE TABLE costsim_cb_state (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(64) NOT NULL UNIQUE,
    disabled BOOLEAN NOT NULL DEFAULT false,
    disabled_reason TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE costsim_cb_incidents (
    id BIGSERIAL PRIMARY KEY,
    circuit_breaker_name VARCHAR(64) NOT NULL,
    reason TEXT NOT NULL,
    drift_score DOUBLE PRECISION,
    resolved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_costsim_cb_incidents_circuit_breaker_name ON costsim_cb_incidents (circuit_breaker_name);

CREATE TABLE costsim_alert_queue (
    id BIGSERIAL PRIMARY KEY,
    payload JSONB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE costsim_provenance (
    id BIGSERIAL PRIMARY KEY,
    input_hash VARCHAR(64) NOT NULL,
    output_hash VARCHAR(64) NOT NULL,
    model_version VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 008_m11_audit_schema
-- down_revision: 007_m10_retention
-- message: Create m11_audit schema

CREATE SCHEMA IF NOT EXISTS m11_audit;

CREATE TABLE m11_audit.ops (
    id BIGSERIAL PRIMARY KEY,
    op_type VARCHAR(64) NOT NULL,
    skill VARCHAR(64) NOT NULL,
    payload JSONB,
    duration_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m11_audit.replay_runs (
    id BIGSERIAL PRIMARY KEY,
    op_id BIGINT NOT NULL REFERENCES m11_audit.ops(id) ON DELETE CASCADE,
    verdict VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m11_audit.skill_metrics (
    id BIGSERIAL PRIMARY KEY,
    skill VARCHAR(64) NOT NULL UNIQUE,
    calls BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    p95_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m11_audit.circuit_breaker_state (
    id BIGSERIAL PRIMARY KEY,
    skill VARCHAR(64) NOT NULL UNIQUE,
    state VARCHAR(16) NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
    opened_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

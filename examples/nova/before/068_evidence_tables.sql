-- revision: 068_evidence_tables
-- down_revision: 067_failure_evidence
-- message: Add activity, environment, provider, integrity and retrieval evidence

CREATE TABLE activity_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    activity_type VARCHAR(32) NOT NULL,
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_activity_evidence_run_id ON activity_evidence (run_id);

CREATE TABLE environment_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    sdk_version VARCHAR(32),
    environment JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE provider_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(64),
    request_id VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE integrity_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL UNIQUE,
    integrity_score DOUBLE PRECISION,
    missing_signals JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE retrieval_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    plane_id VARCHAR(64),
    query_hash VARCHAR(64) NOT NULL,
    doc_ids JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

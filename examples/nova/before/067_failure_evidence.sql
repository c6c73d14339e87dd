-- revision: 067_failure_evidence
-- down_revision: 066_run_failures
-- message: Add failure evidence and evidence capture failures

CREATE TABLE failure_evidence (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    evidence_type VARCHAR(32) NOT NULL,
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_failure_evidence_run_id ON failure_evidence (run_id);

CREATE TABLE evidence_capture_failures (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    evidence_type VARCHAR(32) NOT NULL,
    error TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

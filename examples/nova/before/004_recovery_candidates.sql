-- revision: 004_recovery_candidates
-- down_revision: 003_failure_patterns
-- message: Add recovery candidates with audit trail

CREATE TABLE recovery_candidates (
    id BIGSERIAL PRIMARY KEY,
    failure_match_id BIGINT NOT NULL REFERENCES failure_matches(id) ON DELETE CASCADE,
    suggestion TEXT NOT NULL,
    confidence NUMERIC(4, 3) NOT NULL,
    decision VARCHAR(16) NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_recovery_candidates_failure_match_id ON recovery_candidates (failure_match_id);
CREATE INDEX ix_recovery_candidates_decision ON recovery_candidates (decision);

CREATE TABLE recovery_candidates_audit (
    id BIGSERIAL PRIMARY KEY,
    candidate_id BIGINT NOT NULL REFERENCES recovery_candidates(id) ON DELETE CASCADE,
    action VARCHAR(32) NOT NULL,
    actor VARCHAR(128),
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_recovery_candidates_audit_candidate_id ON recovery_candidates_audit (candidate_id);

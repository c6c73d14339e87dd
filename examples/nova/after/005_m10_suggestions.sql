-- revision: 005_m10_suggestions
-- down_revision: 004_recovery_candidates
-- message: Add m10 suggestion input, action and provenance

CREATE TABLE m10_recovery.suggestion_input (
    id BIGSERIAL PRIMARY KEY,
    candidate_id BIGINT NOT NULL,
    input_type VARCHAR(32) NOT NULL,
    raw_value TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.suggestion_action (
    id BIGSERIAL PRIMARY KEY,
    candidate_id BIGINT NOT NULL,
    action_type VARCHAR(32) NOT NULL,
    parameters JSONB,
    applied BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.suggestion_provenance (
    id BIGSERIAL PRIMARY KEY,
    suggestion_input_id BIGINT NOT NULL REFERENCES m10_recovery.suggestion_input(id) ON DELETE CASCADE,
    source VARCHAR(64) NOT NULL,
    model_version VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_suggestion_provenance_suggestion_input_id ON m10_recovery.suggestion_provenance (suggestion_input_id);

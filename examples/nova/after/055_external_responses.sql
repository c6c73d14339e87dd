-- revision: 055_external_responses
-- down_revision: 054_contracts_decision_records
-- message: Add external responses

CREATE TABLE external_responses (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id VARCHAR(64) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    raw_response JSONB,
    interpreted_value JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_external_responses_run_id ON external_responses (run_id);

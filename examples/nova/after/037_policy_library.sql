-- revision: 037_policy_library
-- down_revision: 036_policy_proposals
-- message: Add policy library

CREATE TABLE policy_library (
    id BIGSERIAL PRIMARY KEY,
    template_name VARCHAR(128) NOT NULL UNIQUE,
    category VARCHAR(32) NOT NULL,
    template JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 056_default_guardrails
-- down_revision: 055_external_responses
-- message: Add default guardrails

CREATE TABLE default_guardrails (
    id VARCHAR(64) PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    category VARCHAR(32) NOT NULL,
    rule_config JSONB NOT NULL,
    is_enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 057_policy_scopes
-- down_revision: 056_default_guardrails
-- message: Add policy scopes and precedence

CREATE TABLE policy_scopes (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    scope_type VARCHAR(16) NOT NULL CHECK (scope_type IN ('all_runs', 'agent', 'api_key', 'human_actor')),
    scope_value VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_precedence (
    id VARCHAR(64) PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL,
    precedence INTEGER NOT NULL DEFAULT 100,
    conflict_strategy VARCHAR(16) NOT NULL DEFAULT 'most_restrictive',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

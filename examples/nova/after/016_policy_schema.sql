-- revision: 016_policy_schema
-- down_revision: 015_approval_requests
-- message: Create policy schema with policies, versions and rule tables

CREATE SCHEMA IF NOT EXISTS policy;

CREATE TABLE policy.policies (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    category VARCHAR(32) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    rules JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.policy_versions (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    snapshot JSONB NOT NULL,
    UNIQUE (policy_id, version),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.business_rules (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT REFERENCES policy.policies(id) ON DELETE CASCADE,
    expression TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.safety_rules (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT REFERENCES policy.policies(id) ON DELETE CASCADE,
    pattern TEXT NOT NULL,
    action VARCHAR(16) NOT NULL DEFAULT 'block',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.ethical_constraints (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    description TEXT,
    enforcement VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

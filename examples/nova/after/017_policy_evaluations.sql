-- revision: 017_policy_evaluations
-- down_revision: 016_policy_schema
-- message: Add policy evaluations, violations and risk ceilings

CREATE TABLE policy.evaluations (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    run_id VARCHAR(64),
    decision VARCHAR(16) NOT NULL,
    latency_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_evaluations_policy_id_created_at ON policy.evaluations (policy_id, created_at);

CREATE TABLE policy.violations (
    id BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES policy.evaluations(id) ON DELETE CASCADE,
    severity VARCHAR(16) NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_violations_evaluation_id ON policy.violations (evaluation_id);

CREATE TABLE policy.risk_ceilings (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    metric VARCHAR(64) NOT NULL,
    max_value DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

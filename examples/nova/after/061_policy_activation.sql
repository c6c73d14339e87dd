-- revision: 061_policy_activation
-- down_revision: 060_policy_simulation
-- message: Add policy activation log and audit

CREATE TABLE policy_activation_log (
    id BIGSERIAL PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL,
    activated_by VARCHAR(128) NOT NULL,
    activated BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_activation_audit (
    id BIGSERIAL PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL,
    checks JSONB NOT NULL,
    passed BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

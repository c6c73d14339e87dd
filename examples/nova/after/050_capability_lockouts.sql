-- revision: 050_capability_lockouts
-- down_revision: 049_limits
-- message: Add capability lockouts

CREATE TABLE capability_lockouts (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    capability VARCHAR(64) NOT NULL,
    reason TEXT,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

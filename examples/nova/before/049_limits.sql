-- revision: 049_limits
-- down_revision: 048_failure_pattern_exports
-- message: Add limits, breaches, overrides and integrity

CREATE TABLE limits (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    limit_category VARCHAR(16) NOT NULL CHECK (limit_category IN ('budget', 'rate', 'threshold')),
    max_value NUMERIC(18, 4) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_limits_tenant_id ON limits (tenant_id);

CREATE TABLE limit_breaches (
    id VARCHAR(64) PRIMARY KEY,
    limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE,
    value_at_breach NUMERIC(18, 4),
    breached_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_limit_breaches_limit_id ON limit_breaches (limit_id);

CREATE TABLE limit_overrides (
    id VARCHAR(64) PRIMARY KEY,
    limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE,
    override_value NUMERIC(18, 4) NOT NULL,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE limit_integrity (
    id VARCHAR(64) PRIMARY KEY,
    limit_id VARCHAR(64) NOT NULL REFERENCES limits(id) ON DELETE CASCADE,
    integrity_status VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 011_usage_records_invitations
-- down_revision: 010_tenants_users
-- message: Add usage records and invitations

CREATE TABLE usage_records (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    meter VARCHAR(64) NOT NULL,
    quantity BIGINT NOT NULL,
    period_start DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_usage_records_tenant_id_period_start ON usage_records (tenant_id, period_start);

CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL,
    token_hash VARCHAR(128) NOT NULL UNIQUE,
    accepted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

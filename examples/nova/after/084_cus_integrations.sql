-- revision: 084_cus_integrations
-- down_revision: 083_timeline_views
-- message: Add customer LLM integrations and usage

CREATE TABLE cus_integrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider_type VARCHAR(32) NOT NULL,
    name VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'created',
    credential_ref VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_cus_integrations_tenant_id ON cus_integrations (tenant_id);

CREATE TABLE cus_llm_usage (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    integration_id UUID NOT NULL REFERENCES cus_integrations(id) ON DELETE CASCADE,
    model VARCHAR(64) NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    cost_cents NUMERIC(12, 4),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_cus_llm_usage_integration_id_created_at ON cus_llm_usage (integration_id, created_at);

CREATE TABLE cus_usage_daily (
    id BIGSERIAL PRIMARY KEY,
    integration_id UUID NOT NULL REFERENCES cus_integrations(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    total_tokens BIGINT NOT NULL DEFAULT 0,
    UNIQUE (integration_id, day),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

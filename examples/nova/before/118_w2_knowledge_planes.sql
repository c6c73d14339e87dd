-- revision: 118_w2_knowledge_planes
-- down_revision: 117_w2_budget_envelopes
-- message: W2: add knowledge planes

CREATE TABLE knowledge_planes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'draft',
    config JSONB,
    UNIQUE (tenant_id, name),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

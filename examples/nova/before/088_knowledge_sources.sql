-- revision: 088_knowledge_sources
-- down_revision: 087_policy_rule_integrity
-- message: Add knowledge sources

CREATE TABLE knowledge_sources (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    source_type VARCHAR(32) NOT NULL,
    uri TEXT NOT NULL,
    last_synced_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

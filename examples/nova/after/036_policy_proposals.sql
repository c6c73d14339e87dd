-- revision: 036_policy_proposals
-- down_revision: 035_policy_rules
-- message: Add policy proposals and versions

CREATE TABLE policy_proposals (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    proposal_name VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
    rule_draft JSONB NOT NULL,
    reviewed_by VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_versions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    proposal_id UUID NOT NULL REFERENCES policy_proposals(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    rule_snapshot JSONB NOT NULL,
    UNIQUE (proposal_id, version),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 053_coordination_audit_records
-- down_revision: 052_confidence_audit_log
-- message: Add coordination audit records

CREATE TABLE coordination_audit_records (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    coordinator VARCHAR(64) NOT NULL,
    decision VARCHAR(32) NOT NULL,
    participants JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

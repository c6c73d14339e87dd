-- revision: 099_prevention_records
-- down_revision: 098_policy_rule_status_view
-- message: Add prevention records

CREATE TABLE prevention_records (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    policy_id VARCHAR(64) NOT NULL,
    pattern_id VARCHAR(64),
    outcome VARCHAR(32) NOT NULL,
    signature_match_confidence DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_prevention_records_tenant_id_created_at ON prevention_records (tenant_id, created_at);

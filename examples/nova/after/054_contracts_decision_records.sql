-- revision: 054_contracts_decision_records
-- down_revision: 053_coordination_audit_records
-- message: Create contracts schema with decision records

CREATE SCHEMA IF NOT EXISTS contracts;

CREATE TABLE contracts.decision_records (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    decision_type VARCHAR(32) NOT NULL,
    decision_source VARCHAR(32) NOT NULL,
    run_id VARCHAR(64),
    decision_outcome VARCHAR(32) NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_decision_records_run_id ON contracts.decision_records (run_id);

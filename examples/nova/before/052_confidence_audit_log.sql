-- revision: 052_confidence_audit_log
-- down_revision: 051_gcl_audit
-- message: Add confidence audit log

CREATE TABLE confidence_audit_log (
    id BIGSERIAL PRIMARY KEY,
    subject_type VARCHAR(32) NOT NULL,
    subject_id VARCHAR(64) NOT NULL,
    old_confidence DOUBLE PRECISION,
    new_confidence DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

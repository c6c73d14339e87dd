-- revision: 079_log_exports
-- down_revision: 078_support_tickets
-- message: Add log exports

CREATE TABLE log_exports (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    scope VARCHAR(32) NOT NULL,
    format VARCHAR(8) NOT NULL CHECK (format IN ('json', 'csv', 'pdf')),
    requested_by VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

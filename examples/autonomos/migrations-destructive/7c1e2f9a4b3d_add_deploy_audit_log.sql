-- revision: 7c1e2f9a4b3d
-- down_revision: 5a9d6371e18c
-- message: add deploy audit log

CREATE TABLE deploy_audit_log (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE SET NULL,
    environment VARCHAR(16) NOT NULL CHECK (environment IN ('dev', 'prod')),
    revision VARCHAR(32) NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_deploy_audit_log_created_at ON deploy_audit_log (created_at);

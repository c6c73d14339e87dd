-- revision: 116_w2_audit_events
-- down_revision: 115_add_inflection_point_metadata
-- message: W2: add audit events

CREATE TABLE audit_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    actor_type VARCHAR(16) NOT NULL,
    actor_id VARCHAR(64),
    action VARCHAR(64) NOT NULL,
    resource_type VARCHAR(64) NOT NULL,
    resource_id VARCHAR(64),
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_audit_events_tenant_id_created_at ON audit_events (tenant_id, created_at);
CREATE INDEX ix_audit_events_resource_type_resource_id ON audit_events (resource_type, resource_id);

-- revision: 025_system_schema
-- down_revision: 024_agents_governance
-- message: Create system schema with memory pins and RBAC audit

CREATE SCHEMA IF NOT EXISTS system;

CREATE TABLE system.memory_pins (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    key VARCHAR(255) NOT NULL,
    value JSONB NOT NULL,
    ttl_seconds INTEGER,
    expires_at TIMESTAMPTZ,
    UNIQUE (tenant_id, key),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE system.memory_audit (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    key VARCHAR(255) NOT NULL,
    operation VARCHAR(16) NOT NULL,
    old_value_hash VARCHAR(64),
    new_value_hash VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE system.rbac_audit (
    id BIGSERIAL PRIMARY KEY,
    subject VARCHAR(128) NOT NULL,
    resource VARCHAR(128) NOT NULL,
    action VARCHAR(32) NOT NULL,
    allowed BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 027_killswitch_proxy_calls
-- down_revision: 026_feature_flags
-- message: Add killswitch state and proxy call log

CREATE TABLE killswitch_state (
    id BIGSERIAL PRIMARY KEY,
    entity_type VARCHAR(16) NOT NULL CHECK (entity_type IN ('tenant', 'key', 'global')),
    entity_id VARCHAR(64) NOT NULL,
    is_frozen BOOLEAN NOT NULL DEFAULT false,
    frozen_at TIMESTAMPTZ,
    frozen_by VARCHAR(128),
    UNIQUE (entity_type, entity_id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE proxy_calls (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    api_key_id VARCHAR(64),
    endpoint VARCHAR(255) NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_proxy_calls_tenant_id_created_at ON proxy_calls (tenant_id, created_at);

-- revision: 051_gcl_audit
-- down_revision: 050_capability_lockouts
-- message: Add governance control log, anchors and replay requests

CREATE TABLE gcl_audit_log (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    payload_hash VARCHAR(64) NOT NULL,
    prev_hash VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_gcl_audit_log_tenant_id_created_at ON gcl_audit_log (tenant_id, created_at);

CREATE TABLE gcl_daily_anchors (
    id BIGSERIAL PRIMARY KEY,
    anchor_date DATE NOT NULL UNIQUE,
    merkle_root VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE gcl_anchor_verifications (
    id BIGSERIAL PRIMARY KEY,
    anchor_id BIGINT NOT NULL REFERENCES gcl_daily_anchors(id) ON DELETE CASCADE,
    verified BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE gcl_replay_requests (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    requested_by VARCHAR(128) NOT NULL,
    range_start TIMESTAMPTZ NOT NULL,
    range_end TIMESTAMPTZ NOT NULL,
    CHECK (range_end > range_start),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

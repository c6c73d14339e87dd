-- revision: 015_approval_requests
-- down_revision: 014_cost_snapshots
-- message: Add approval requests and their archive

CREATE TABLE approval_requests (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    correlation_id VARCHAR(64) NOT NULL,
    requested_by VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    payload JSONB,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_approval_requests_status ON approval_requests (status);
CREATE INDEX ix_approval_requests_correlation_id ON approval_requests (correlation_id);

CREATE TABLE archived_approval_requests (
    id BIGSERIAL PRIMARY KEY,
    original_id VARCHAR(64) NOT NULL,
    final_status VARCHAR(16) NOT NULL,
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

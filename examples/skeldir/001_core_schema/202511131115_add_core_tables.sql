-- revision: 202511131115
-- down_revision: baseline
-- message: Add core tables for B0.3 schema foundation

CREATE TABLE tenants (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    api_key_hash VARCHAR(255) NOT NULL UNIQUE,
    notification_email VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE attribution_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id UUID NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    channel VARCHAR(100) NOT NULL,
    revenue_cents INTEGER NOT NULL DEFAULT 0 CHECK (revenue_cents >= 0),
    event_timestamp TIMESTAMPTZ NOT NULL,
    raw_payload JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX idx_attribution_events_tenant_timestamp ON attribution_events (tenant_id, event_timestamp DESC);

CREATE TABLE attribution_allocations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event_id UUID NOT NULL REFERENCES attribution_events(id) ON DELETE CASCADE,
    channel_code VARCHAR(100) NOT NULL,
    allocated_revenue_cents INTEGER NOT NULL DEFAULT 0 CHECK (allocated_revenue_cents >= 0),
    allocation_ratio NUMERIC(6, 5) NOT NULL CHECK (allocation_ratio BETWEEN 0 AND 1),
    model_version VARCHAR(50) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_attribution_allocations_tenant_event ON attribution_allocations (tenant_id, event_id);

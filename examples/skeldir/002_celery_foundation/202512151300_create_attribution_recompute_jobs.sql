-- revision: 202512151300
-- down_revision: 202512151200
-- message: Create attribution_recompute_jobs table

-- References tenants, which only the core_schema branch creates: upgrading this branch alone from
-- an empty database fails with `relation "tenants" does not exist`.
CREATE TABLE attribution_recompute_jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,
    model_version VARCHAR(50) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    run_count INTEGER NOT NULL DEFAULT 0,
    last_correlation_id UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (window_end > window_start),
    UNIQUE (tenant_id, window_start, window_end, model_version)
);
CREATE INDEX idx_attribution_recompute_jobs_tenant_status ON attribution_recompute_jobs (tenant_id, status);

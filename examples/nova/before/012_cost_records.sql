-- revision: 012_cost_records
-- down_revision: 011_usage_records_invitations
-- message: Add cost records and daily aggregates

CREATE TABLE cost_records (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64),
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(64) NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_cents NUMERIC(12, 4) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_cost_records_tenant_id_created_at ON cost_records (tenant_id, created_at);

CREATE TABLE cost_daily_aggregates (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    day DATE NOT NULL,
    total_cents NUMERIC(14, 4) NOT NULL,
    UNIQUE (tenant_id, day),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 014_cost_snapshots
-- down_revision: 013_cost_budgets
-- message: Add cost snapshots, aggregates, baselines and anomaly evaluations

CREATE TABLE cost_snapshots (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    snapshot_type VARCHAR(16) NOT NULL CHECK (snapshot_type IN ('hourly', 'daily')),
    period_start TIMESTAMPTZ NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_cost_snapshots_tenant_id_period_start ON cost_snapshots (tenant_id, period_start);

CREATE TABLE cost_snapshot_aggregates (
    id BIGSERIAL PRIMARY KEY,
    snapshot_id VARCHAR(64) NOT NULL REFERENCES cost_snapshots(id) ON DELETE CASCADE,
    entity_type VARCHAR(32) NOT NULL,
    entity_id VARCHAR(64),
    total_cents NUMERIC(14, 4) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE cost_snapshot_baselines (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    entity_type VARCHAR(32) NOT NULL,
    avg_daily_cents NUMERIC(14, 4) NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE cost_anomaly_evaluations (
    id BIGSERIAL PRIMARY KEY,
    snapshot_id VARCHAR(64) NOT NULL REFERENCES cost_snapshots(id) ON DELETE CASCADE,
    triggered BOOLEAN NOT NULL,
    deviation_pct DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

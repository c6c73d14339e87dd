-- revision: 013_cost_budgets
-- down_revision: 012_cost_records
-- message: Add cost budgets, anomalies, breach history and drift tracking

CREATE TABLE cost_budgets (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    budget_type VARCHAR(16) NOT NULL CHECK (budget_type IN ('tenant', 'feature', 'user')),
    daily_limit_cents INTEGER,
    monthly_limit_cents INTEGER,
    warn_threshold_pct INTEGER NOT NULL DEFAULT 80,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE cost_anomalies (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    anomaly_type VARCHAR(32) NOT NULL,
    severity VARCHAR(16) NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    current_value_cents NUMERIC(14, 4),
    expected_value_cents NUMERIC(14, 4),
    resolved BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_cost_anomalies_tenant_id_resolved ON cost_anomalies (tenant_id, resolved);

CREATE TABLE cost_breach_history (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    budget_id BIGINT REFERENCES cost_budgets(id) ON DELETE SET NULL,
    breach_cents NUMERIC(14, 4) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE cost_drift_tracking (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    baseline_cents NUMERIC(14, 4) NOT NULL,
    observed_cents NUMERIC(14, 4) NOT NULL,
    drift_pct DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

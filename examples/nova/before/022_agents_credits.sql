-- revision: 022_agents_credits
-- down_revision: 021_agents_schema
-- message: Add agent credit balances, ledger and invocations

CREATE TABLE agents.credit_balances (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL UNIQUE,
    balance_cents BIGINT NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.credit_ledger (
    id BIGSERIAL PRIMARY KEY,
    balance_id BIGINT NOT NULL REFERENCES agents.credit_balances(id) ON DELETE CASCADE,
    job_id UUID REFERENCES agents.jobs(id) ON DELETE SET NULL,
    delta_cents BIGINT NOT NULL,
    reason VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_credit_ledger_balance_id ON agents.credit_ledger (balance_id);

CREATE TABLE agents.invocations (
    id BIGSERIAL PRIMARY KEY,
    job_id UUID REFERENCES agents.jobs(id) ON DELETE CASCADE,
    instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL,
    skill VARCHAR(64) NOT NULL,
    duration_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

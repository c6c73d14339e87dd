-- revision: 024_agents_governance
-- down_revision: 023_agents_registry
-- message: Add agent boundary violations, drift signals and strategy adjustments

CREATE TABLE agents.boundary_violations (
    id BIGSERIAL PRIMARY KEY,
    agent_name VARCHAR(128) NOT NULL,
    boundary VARCHAR(64) NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.drift_signals (
    id BIGSERIAL PRIMARY KEY,
    agent_name VARCHAR(128) NOT NULL,
    metric VARCHAR(64) NOT NULL,
    drift DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.strategy_adjustments (
    id BIGSERIAL PRIMARY KEY,
    agent_name VARCHAR(128) NOT NULL,
    adjustment JSONB NOT NULL,
    applied_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

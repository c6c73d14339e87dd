-- revision: 020_routing_schema
-- down_revision: 019_temporal_policies
-- message: Create routing schema for CARE routing decisions

CREATE SCHEMA IF NOT EXISTS routing;

CREATE TABLE routing.routing_decisions (
    id BIGSERIAL PRIMARY KEY,
    request_id VARCHAR(64) NOT NULL,
    selected_agent_id VARCHAR(64),
    candidates JSONB,
    latency_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_routing_decisions_selected_agent_id ON routing.routing_decisions (selected_agent_id);

CREATE TABLE routing.agent_reputation (
    id BIGSERIAL PRIMARY KEY,
    agent_id VARCHAR(64) NOT NULL UNIQUE,
    score DOUBLE PRECISION NOT NULL DEFAULT 0.5 CHECK (score BETWEEN 0 AND 1),
    success_count INTEGER NOT NULL DEFAULT 0,
    failure_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE routing.capability_probes (
    id BIGSERIAL PRIMARY KEY,
    capability VARCHAR(64) NOT NULL,
    agent_id VARCHAR(64) NOT NULL,
    healthy BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE routing.learning_parameters (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(64) NOT NULL UNIQUE,
    value DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

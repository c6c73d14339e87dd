-- revision: 023_agents_registry
-- down_revision: 022_agents_credits
-- message: Add agent registry, job cancellations and invoke audit

CREATE TABLE agents.agent_registry (
    id BIGSERIAL PRIMARY KEY,
    agent_name VARCHAR(128) NOT NULL UNIQUE,
    capabilities JSONB NOT NULL DEFAULT '[]'::jsonb,
    enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.job_cancellations (
    id BIGSERIAL PRIMARY KEY,
    job_id UUID NOT NULL REFERENCES agents.jobs(id) ON DELETE CASCADE,
    cancelled_by VARCHAR(128),
    reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.invoke_audit (
    id BIGSERIAL PRIMARY KEY,
    invocation_id BIGINT REFERENCES agents.invocations(id) ON DELETE CASCADE,
    caller VARCHAR(128) NOT NULL,
    allowed BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

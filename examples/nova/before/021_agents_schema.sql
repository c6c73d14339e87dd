-- revision: 021_agents_schema
-- down_revision: 020_routing_schema
-- message: Create agents schema with instances, jobs and messages

CREATE SCHEMA IF NOT EXISTS agents;

CREATE TABLE agents.instances (
    id BIGSERIAL PRIMARY KEY,
    agent_id VARCHAR(64) NOT NULL,
    hostname VARCHAR(255),
    status VARCHAR(16) NOT NULL DEFAULT 'starting',
    heartbeat_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    task VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    total_items INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_jobs_status ON agents.jobs (status);

CREATE TABLE agents.job_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id UUID NOT NULL REFERENCES agents.jobs(id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    result JSONB,
    UNIQUE (job_id, item_index),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE agents.messages (
    id BIGSERIAL PRIMARY KEY,
    from_instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL,
    to_instance_id BIGINT REFERENCES agents.instances(id) ON DELETE SET NULL,
    body JSONB NOT NULL,
    read_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 002_m10_recovery_schema
-- down_revision: 001_workflow_checkpoints
-- message: Create m10_recovery schema with work queue, outbox and locks

CREATE SCHEMA IF NOT EXISTS m10_recovery;

CREATE TABLE m10_recovery.work_queue (
    id BIGSERIAL PRIMARY KEY,
    queue_name VARCHAR(64) NOT NULL,
    payload JSONB NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_work_queue_queue_name_status_available_at ON m10_recovery.work_queue (queue_name, status, available_at);

CREATE TABLE m10_recovery.outbox (
    id BIGSERIAL PRIMARY KEY,
    aggregate_type VARCHAR(64) NOT NULL,
    aggregate_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    payload JSONB NOT NULL,
    published_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_outbox_published_at ON m10_recovery.outbox (published_at);

CREATE TABLE m10_recovery.distributed_locks (
    id SERIAL PRIMARY KEY,
    lock_name VARCHAR(128) NOT NULL UNIQUE,
    holder VARCHAR(128) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

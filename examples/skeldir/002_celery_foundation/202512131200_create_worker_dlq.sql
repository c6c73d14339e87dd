-- revision: 202512131200
-- down_revision: 202512120900
-- message: Create worker DLQ table

CREATE TABLE celery_task_failures (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id VARCHAR(155) NOT NULL,
    task_name VARCHAR(255) NOT NULL,
    queue VARCHAR(100),
    tenant_id UUID,
    error_type VARCHAR(100) NOT NULL,
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'resolved', 'abandoned')),
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_celery_task_failures_task_name ON celery_task_failures (task_name, failed_at DESC);

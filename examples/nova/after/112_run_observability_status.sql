-- revision: 112_run_observability_status
-- down_revision: 111_worker_registry_capabilities
-- message: Add observability status to runs

ALTER TABLE runs ADD COLUMN observability_status VARCHAR(16) NOT NULL DEFAULT 'PENDING';
ALTER TABLE runs ADD COLUMN observability_error TEXT;

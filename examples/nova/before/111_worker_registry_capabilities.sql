-- revision: 111_worker_registry_capabilities
-- down_revision: 110_run_policy_termination
-- message: Add capabilities to the worker registry

ALTER TABLE worker_registry ADD COLUMN capabilities JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE worker_registry ADD COLUMN version VARCHAR(32);

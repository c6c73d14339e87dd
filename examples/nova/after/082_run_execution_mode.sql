-- revision: 082_run_execution_mode
-- down_revision: 081_system_records
-- message: Add execution mode and environment to runs

ALTER TABLE runs ADD COLUMN execution_mode VARCHAR(16) NOT NULL DEFAULT 'live';
ALTER TABLE runs ADD COLUMN execution_environment VARCHAR(32);

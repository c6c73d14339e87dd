-- revision: 110_run_policy_termination
-- down_revision: 109_llm_run_records_indexes
-- message: Record policy termination on runs

ALTER TABLE runs ADD COLUMN policy_snapshot_id VARCHAR(64);
ALTER TABLE runs ADD COLUMN termination_reason VARCHAR(64);
ALTER TABLE runs ADD COLUMN stopped_at_step INTEGER;
ALTER TABLE runs ADD COLUMN violation_policy_id VARCHAR(64);

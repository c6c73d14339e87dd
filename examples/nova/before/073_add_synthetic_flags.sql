-- revision: 073_add_synthetic_flags
-- down_revision: 072_llm_run_records
-- message: Add SDSR synthetic flags to runs and agents

ALTER TABLE runs ADD COLUMN is_synthetic BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN synthetic_scenario_id VARCHAR(64);
ALTER TABLE agents ADD COLUMN is_synthetic BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE agents ADD COLUMN synthetic_scenario_id VARCHAR(64);

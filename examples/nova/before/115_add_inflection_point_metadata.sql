-- revision: 115_add_inflection_point_metadata
-- down_revision: 114_log_exports_status
-- message: Add inflection point metadata to incidents

ALTER TABLE incidents ADD COLUMN inflection_step_index INTEGER;
ALTER TABLE incidents ADD COLUMN inflection_timestamp TIMESTAMPTZ;
ALTER TABLE incidents ADD COLUMN inflection_context JSONB;

ALTER TABLE sdsr_incidents ADD COLUMN inflection_step_index INTEGER;

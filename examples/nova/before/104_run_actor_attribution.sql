-- revision: 104_run_actor_attribution
-- down_revision: 103_limits_scope_columns
-- message: Add actor attribution to runs

ALTER TABLE runs ADD COLUMN actor_type VARCHAR(16);
ALTER TABLE runs ADD COLUMN actor_id VARCHAR(64);
ALTER TABLE runs ADD COLUMN origin_system_id VARCHAR(64);
CREATE INDEX ix_runs_actor_type_actor_id ON runs (actor_type, actor_id);

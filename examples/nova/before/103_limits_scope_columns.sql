-- revision: 103_limits_scope_columns
-- down_revision: 102_api_keys_usage_columns
-- message: Add scope and reset period to limits

ALTER TABLE limits ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT 'tenant';
ALTER TABLE limits ADD COLUMN reset_period VARCHAR(16);
ALTER TABLE limits ADD CONSTRAINT ck_limits_reset_period CHECK (reset_period IS NULL OR reset_period IN ('daily', 'weekly', 'monthly'));

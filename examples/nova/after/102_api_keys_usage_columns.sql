-- revision: 102_api_keys_usage_columns
-- down_revision: 101_tenants_updated_at_trigger
-- message: Track API key names and last use

ALTER TABLE api_keys ADD COLUMN name VARCHAR(128);
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;

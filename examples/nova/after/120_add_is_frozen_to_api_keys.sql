-- revision: 120_add_is_frozen_to_api_keys
-- down_revision: 119_w2_mcp_servers
-- message: Add is_frozen to api_keys

ALTER TABLE api_keys ADD COLUMN is_frozen BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE api_keys ADD COLUMN frozen_at TIMESTAMPTZ;

-- revision: 058_policy_override
-- down_revision: 057_policy_scopes
-- message: Add policy override authority and records

CREATE TABLE policy_override_authority (
    id VARCHAR(64) PRIMARY KEY,
    policy_id VARCHAR(64) NOT NULL UNIQUE,
    override_allowed BOOLEAN NOT NULL DEFAULT false,
    allowed_roles JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy_override_records (
    id VARCHAR(64) PRIMARY KEY,
    authority_id VARCHAR(64) NOT NULL REFERENCES policy_override_authority(id) ON DELETE CASCADE,
    overridden_by VARCHAR(128) NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

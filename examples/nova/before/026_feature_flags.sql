-- revision: 026_feature_flags
-- down_revision: 025_system_schema
-- message: Add feature flags and tags

CREATE TABLE feature_flags (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    enabled BOOLEAN NOT NULL DEFAULT false,
    rollout_pct INTEGER NOT NULL DEFAULT 0 CHECK (rollout_pct BETWEEN 0 AND 100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE feature_tags (
    id BIGSERIAL PRIMARY KEY,
    tag VARCHAR(64) NOT NULL UNIQUE,
    display_name VARCHAR(128),
    budget_snapshot NUMERIC(14, 4),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

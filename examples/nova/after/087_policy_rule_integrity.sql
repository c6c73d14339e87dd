-- revision: 087_policy_rule_integrity
-- down_revision: 086_runs_v2_projection
-- message: Add policy rule integrity

CREATE TABLE policy_rule_integrity (
    id VARCHAR(64) PRIMARY KEY,
    rule_id VARCHAR(64) NOT NULL REFERENCES policy_rules(id) ON DELETE CASCADE,
    content_hash VARCHAR(64) NOT NULL,
    verified_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_policy_rule_integrity_rule_id ON policy_rule_integrity (rule_id);

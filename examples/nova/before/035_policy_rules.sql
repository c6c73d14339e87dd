-- revision: 035_policy_rules
-- down_revision: 034_incident_evidence
-- message: Add policy rules, decisions and enforcements

CREATE TABLE policy_rules (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    enforcement_mode VARCHAR(16) NOT NULL DEFAULT 'warn' CHECK (enforcement_mode IN ('off', 'warn', 'block')),
    conditions JSONB NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_policy_rules_tenant_id_is_active ON policy_rules (tenant_id, is_active);

CREATE TABLE policy_decisions (
    id BIGSERIAL PRIMARY KEY,
    rule_id VARCHAR(64) REFERENCES policy_rules(id) ON DELETE SET NULL,
    run_id VARCHAR(64),
    decision VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_policy_decisions_rule_id ON policy_decisions (rule_id);

CREATE TABLE policy_enforcements (
    id VARCHAR(64) PRIMARY KEY,
    rule_id VARCHAR(64) NOT NULL REFERENCES policy_rules(id) ON DELETE CASCADE,
    run_id VARCHAR(64),
    action_taken VARCHAR(32) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_policy_enforcements_rule_id ON policy_enforcements (rule_id);

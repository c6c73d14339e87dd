-- revision: 085_policy_rules_legacy
-- down_revision: 084_cus_integrations
-- message: Preserve legacy policy rules before the rule model change

CREATE TABLE policy_rules_legacy (LIKE policy_rules INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE policy_rules_legacy ADD PRIMARY KEY (id);
INSERT INTO policy_rules_legacy SELECT * FROM policy_rules;

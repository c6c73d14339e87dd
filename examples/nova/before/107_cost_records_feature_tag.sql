-- revision: 107_cost_records_feature_tag
-- down_revision: 106_policy_proposals_effective_from
-- message: Attribute cost records to feature tags

ALTER TABLE cost_records ADD COLUMN feature_tag VARCHAR(64) REFERENCES feature_tags(tag) ON DELETE SET NULL;
CREATE INDEX ix_cost_records_feature_tag ON cost_records (feature_tag);

-- revision: 108_killswitch_reason
-- down_revision: 107_cost_records_feature_tag
-- message: Record why a killswitch was engaged

ALTER TABLE killswitch_state ADD COLUMN reason TEXT;
ALTER TABLE killswitch_state ADD COLUMN auto_triggered BOOLEAN NOT NULL DEFAULT false;

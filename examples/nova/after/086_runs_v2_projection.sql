-- revision: 086_runs_v2_projection
-- down_revision: 085_policy_rules_legacy
-- message: Add runs v2 projection columns

ALTER TABLE runs ADD COLUMN state VARCHAR(16) NOT NULL DEFAULT 'LIVE';
ALTER TABLE runs ADD COLUMN project_id VARCHAR(64);
ALTER TABLE runs ADD COLUMN last_seen_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN source VARCHAR(16) NOT NULL DEFAULT 'agent';
ALTER TABLE runs ADD COLUMN provider_type VARCHAR(32);
ALTER TABLE runs ADD COLUMN risk_level VARCHAR(16) NOT NULL DEFAULT 'NORMAL';
ALTER TABLE runs ADD COLUMN latency_bucket VARCHAR(16);
ALTER TABLE runs ADD COLUMN evidence_health VARCHAR(16) NOT NULL DEFAULT 'FLOWING';
ALTER TABLE runs ADD COLUMN integrity_status VARCHAR(16) NOT NULL DEFAULT 'UNKNOWN';
ALTER TABLE runs ADD COLUMN incident_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN policy_draft_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN policy_violation BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN input_tokens INTEGER;
ALTER TABLE runs ADD COLUMN output_tokens INTEGER;
ALTER TABLE runs ADD COLUMN estimated_cost_usd NUMERIC(12, 6);
ALTER TABLE runs ADD COLUMN expected_latency_ms INTEGER;
CREATE INDEX ix_runs_state_last_seen_at ON runs (state, last_seen_at);
CREATE INDEX ix_runs_project_id ON runs (project_id);

-- revision: 065_add_run_authorization
-- down_revision: 064_worker_registry
-- message: Add authorization columns to runs

ALTER TABLE runs ADD COLUMN authorization_decision VARCHAR(30);
ALTER TABLE runs ADD COLUMN authorization_engine VARCHAR(50);
ALTER TABLE runs ADD COLUMN authorization_context JSONB;
ALTER TABLE runs ADD COLUMN authorized_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN authorized_by VARCHAR(100);
CREATE INDEX ix_runs_authorization_decision ON runs (authorization_decision);

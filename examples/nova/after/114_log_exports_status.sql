-- revision: 114_log_exports_status
-- down_revision: 113_support_tickets_priority
-- message: Track log export status

ALTER TABLE log_exports ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'pending';
ALTER TABLE log_exports ADD COLUMN completed_at TIMESTAMPTZ;
ALTER TABLE log_exports ADD COLUMN artifact_uri TEXT;

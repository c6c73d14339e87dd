-- revision: 096_incidents_domain_model
-- down_revision: 095_incident_views
-- message: Incidents domain model: lifecycle state and cause

ALTER TABLE incidents ADD COLUMN lifecycle_state VARCHAR(16) NOT NULL DEFAULT 'ACTIVE';
ALTER TABLE incidents ADD COLUMN category VARCHAR(32);
ALTER TABLE incidents ADD COLUMN cause_type VARCHAR(32);
ALTER TABLE incidents ADD CONSTRAINT ck_incidents_lifecycle_state CHECK (lifecycle_state IN ('ACTIVE', 'ACKED', 'RESOLVED'));
CREATE INDEX ix_incidents_lifecycle_state ON incidents (lifecycle_state);

-- revision: 034_incident_evidence
-- down_revision: 033_incidents
-- message: Add incident evidence

CREATE TABLE incident_evidence (
    id BIGSERIAL PRIMARY KEY,
    incident_id VARCHAR(64) NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    evidence_type VARCHAR(32) NOT NULL,
    content_hash VARCHAR(64) NOT NULL,
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_incident_evidence_incident_id ON incident_evidence (incident_id);

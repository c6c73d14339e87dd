-- revision: 105_incident_events_actor
-- down_revision: 104_run_actor_attribution
-- message: Add actor to incident events

ALTER TABLE incident_events ADD COLUMN actor_type VARCHAR(16);
ALTER TABLE incident_events ADD COLUMN actor_id VARCHAR(64);

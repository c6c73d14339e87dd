-- revision: 106_policy_proposals_effective_from
-- down_revision: 105_incident_events_actor
-- message: Add effective_from to policy proposals

ALTER TABLE policy_proposals ADD COLUMN effective_from TIMESTAMPTZ;

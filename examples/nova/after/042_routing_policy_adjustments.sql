-- revision: 042_routing_policy_adjustments
-- down_revision: 041_signal_feedback
-- message: Add routing policy adjustments

CREATE TABLE routing_policy_adjustments (
    id BIGSERIAL PRIMARY KEY,
    agent_id VARCHAR(64) NOT NULL,
    adjustment_type VARCHAR(32) NOT NULL,
    magnitude DOUBLE PRECISION NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

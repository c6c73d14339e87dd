-- revision: 059_policy_approval_levels
-- down_revision: 058_policy_override
-- message: Add policy approval levels

CREATE TABLE policy_approval_levels (
    id BIGSERIAL PRIMARY KEY,
    policy_type VARCHAR(32) NOT NULL UNIQUE,
    approval_level INTEGER NOT NULL CHECK (approval_level BETWEEN 1 AND 5),
    auto_approve_max_cost_cents INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

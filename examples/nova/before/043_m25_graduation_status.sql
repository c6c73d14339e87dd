-- revision: 043_m25_graduation_status
-- down_revision: 042_routing_policy_adjustments
-- message: Add M25 graduation status and history

CREATE TABLE m25_graduation_status (
    id SERIAL PRIMARY KEY,
    current_level VARCHAR(16) NOT NULL CHECK (current_level IN ('alpha', 'beta', 'candidate', 'complete')),
    gates_passed INTEGER NOT NULL DEFAULT 0,
    last_evaluated_at TIMESTAMPTZ,
    notes TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE graduation_history (
    id BIGSERIAL PRIMARY KEY,
    from_level VARCHAR(16) NOT NULL,
    to_level VARCHAR(16) NOT NULL,
    evidence JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 040_pattern_feedback
-- down_revision: 039_loop_events
-- message: Add pattern feedback and calibrations

CREATE TABLE pattern_feedback (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    pattern_type VARCHAR(32) NOT NULL,
    description TEXT,
    signature VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE pattern_calibrations (
    id BIGSERIAL PRIMARY KEY,
    pattern_type VARCHAR(32) NOT NULL UNIQUE,
    threshold DOUBLE PRECISION NOT NULL,
    sample_size INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 041_signal_feedback
-- down_revision: 040_pattern_feedback
-- message: Add signal feedback, accuracy, recommendations and threshold signals

CREATE TABLE signal_feedback (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    signal_id VARCHAR(64) NOT NULL,
    useful BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE signal_accuracy (
    id BIGSERIAL PRIMARY KEY,
    signal_type VARCHAR(32) NOT NULL UNIQUE,
    precision_pct DOUBLE PRECISION,
    recall_pct DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE signal_recommendations (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    signal_type VARCHAR(32) NOT NULL,
    recommendation TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE threshold_signals (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    metric VARCHAR(64) NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    observed DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

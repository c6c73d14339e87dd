-- revision: 121_add_costsim_canary_reports
-- down_revision: 120_add_is_frozen_to_api_keys
-- message: Add costsim canary reports

CREATE TABLE costsim_canary_reports (
    id VARCHAR(64) PRIMARY KEY,
    run_at TIMESTAMPTZ NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    total_samples INTEGER NOT NULL,
    drift_score DOUBLE PRECISION,
    report JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 007_m10_retention
-- down_revision: 006_m10_archive_tables
-- message: Add m10 retention jobs and matview refresh log

CREATE TABLE m10_recovery.retention_jobs (
    id BIGSERIAL PRIMARY KEY,
    target_table VARCHAR(128) NOT NULL,
    retention_days INTEGER NOT NULL CHECK (retention_days > 0),
    last_run_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.matview_refresh_log (
    id BIGSERIAL PRIMARY KEY,
    view_name VARCHAR(128) NOT NULL,
    duration_ms INTEGER,
    succeeded BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

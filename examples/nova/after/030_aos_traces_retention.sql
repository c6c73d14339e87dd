-- revision: 030_aos_traces_retention
-- down_revision: 029_aos_trace_mismatches
-- message: Add trace archive and retention log

CREATE TABLE aos_traces_archive (
    id BIGSERIAL PRIMARY KEY,
    trace_id VARCHAR(64) NOT NULL,
    payload JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE aos_traces_retention_log (
    id BIGSERIAL PRIMARY KEY,
    archived_count INTEGER NOT NULL,
    deleted_count INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

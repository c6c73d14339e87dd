-- revision: 029_aos_trace_mismatches
-- down_revision: 028_aos_traces
-- message: Add trace mismatch reports

CREATE TABLE aos_trace_mismatches (
    id BIGSERIAL PRIMARY KEY,
    trace_id VARCHAR(64) NOT NULL REFERENCES aos_traces(trace_id) ON DELETE CASCADE,
    step_index INTEGER,
    reason TEXT NOT NULL,
    notified BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_aos_trace_mismatches_trace_id ON aos_trace_mismatches (trace_id);

-- revision: 028_aos_traces
-- down_revision: 027_killswitch_proxy_calls
-- message: Add AOS traces and trace steps

CREATE TABLE aos_traces (
    id BIGSERIAL PRIMARY KEY,
    trace_id VARCHAR(64) NOT NULL UNIQUE,
    run_id VARCHAR(64) NOT NULL,
    tenant_id VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'running',
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_aos_traces_run_id ON aos_traces (run_id);
CREATE INDEX ix_aos_traces_tenant_id ON aos_traces (tenant_id);

CREATE TABLE aos_trace_steps (
    id BIGSERIAL PRIMARY KEY,
    trace_id VARCHAR(64) NOT NULL REFERENCES aos_traces(trace_id) ON DELETE CASCADE,
    step_index INTEGER NOT NULL,
    skill_name VARCHAR(64) NOT NULL,
    outcome_category VARCHAR(32),
    duration_ms DOUBLE PRECISION,
    UNIQUE (trace_id, step_index),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 066_run_failures
-- down_revision: 065_add_run_authorization
-- message: Add run failures

CREATE TABLE run_failures (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    error_code VARCHAR(64) NOT NULL,
    error_message TEXT,
    is_retryable BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_run_failures_run_id ON run_failures (run_id);

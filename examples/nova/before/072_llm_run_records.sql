-- revision: 072_llm_run_records
-- down_revision: 071_infra_error_events
-- message: Add LLM run records

CREATE TABLE llm_run_records (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(64) NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_cents NUMERIC(12, 4),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

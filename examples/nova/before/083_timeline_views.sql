-- revision: 083_timeline_views
-- down_revision: 082_run_execution_mode
-- message: Add timeline view definitions

CREATE TABLE timeline_views (
    id BIGSERIAL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    filters JSONB NOT NULL,
    created_by VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

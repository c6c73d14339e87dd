-- revision: 001_workflow_checkpoints
-- down_revision:
-- message: Create workflow checkpoints

CREATE TABLE workflow_checkpoints (
    id BIGSERIAL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    step_index INTEGER NOT NULL,
    state_json JSONB NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_workflow_checkpoints_run_id_step_index ON workflow_checkpoints (run_id, step_index);

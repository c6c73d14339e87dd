-- revision: 064_worker_registry
-- down_revision: 063_worker_runs
-- message: Add worker registry

CREATE TABLE worker_registry (
    id VARCHAR(64) PRIMARY KEY,
    worker_id VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'coming_soon', 'deprecated')),
    is_public BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

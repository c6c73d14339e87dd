-- revision: 122_knowledge_plane_registry
-- down_revision: 121_add_costsim_canary_reports
-- message: Add knowledge plane registry

CREATE TABLE knowledge_plane_registry (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    plane_id UUID NOT NULL UNIQUE REFERENCES knowledge_planes(id) ON DELETE CASCADE,
    plane_key VARCHAR(128) NOT NULL UNIQUE,
    lifecycle_state VARCHAR(16) NOT NULL DEFAULT 'registered',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 089_knowledge_lifecycle_transitions
-- down_revision: 088_knowledge_sources
-- message: Add knowledge lifecycle transitions

CREATE TABLE knowledge_lifecycle_transitions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id UUID NOT NULL REFERENCES knowledge_sources(id) ON DELETE CASCADE,
    from_state VARCHAR(16),
    to_state VARCHAR(16) NOT NULL,
    actor VARCHAR(128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_knowledge_lifecycle_transitions_source_id ON knowledge_lifecycle_transitions (source_id);

-- revision: 048_failure_pattern_exports
-- down_revision: 047_learning_suggestions
-- message: Add failure pattern exports

CREATE TABLE failure_pattern_exports (
    id BIGSERIAL PRIMARY KEY,
    pattern_id INTEGER NOT NULL REFERENCES failure_patterns(id) ON DELETE CASCADE,
    destination VARCHAR(64) NOT NULL,
    exported_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- revision: 123_incidents_source_run_fk
-- down_revision: 122_knowledge_plane_registry
-- message: Link incidents to their source run

ALTER TABLE incidents ADD COLUMN source_run_id VARCHAR(64) REFERENCES runs(id) ON DELETE SET NULL;
CREATE INDEX ix_incidents_source_run_id ON incidents (source_run_id);

-- revision: 075_consolidate_sdsr_incidents
-- down_revision: 074_sdsr_incidents
-- message: Consolidate sdsr_incidents into incidents

ALTER TABLE incidents ADD COLUMN is_synthetic BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE incidents ADD COLUMN synthetic_scenario_id VARCHAR(64);
ALTER TABLE incidents ADD COLUMN source VARCHAR(32) NOT NULL DEFAULT 'runtime';

INSERT INTO incidents (id, tenant_id, title, severity, status, is_synthetic, synthetic_scenario_id, source, created_at)
SELECT id, tenant_id, title, severity, status, true, scenario_id, 'sdsr', created_at
FROM sdsr_incidents
ON CONFLICT (id) DO NOTHING;

DROP TABLE sdsr_incidents;

-- revision: 074_sdsr_incidents
-- down_revision: 073_add_synthetic_flags
-- message: Add SDSR incidents

CREATE TABLE sdsr_incidents (
    id VARCHAR(64) PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    scenario_id VARCHAR(64) NOT NULL,
    title VARCHAR(255) NOT NULL,
    severity VARCHAR(16) NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status VARCHAR(16) NOT NULL DEFAULT 'open',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_sdsr_incidents_scenario_id ON sdsr_incidents (scenario_id);

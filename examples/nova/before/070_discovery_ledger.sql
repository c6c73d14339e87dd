-- revision: 070_discovery_ledger
-- down_revision: 069_governance_signals
-- message: Add discovery ledger

CREATE TABLE discovery_ledger (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    artifact VARCHAR(128) NOT NULL,
    signal_type VARCHAR(64) NOT NULL,
    evidence JSONB,
    seen_count INTEGER NOT NULL DEFAULT 1,
    UNIQUE (artifact, signal_type),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

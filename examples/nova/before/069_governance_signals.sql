-- revision: 069_governance_signals
-- down_revision: 068_evidence_tables
-- message: Add governance signals

CREATE TABLE governance_signals (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    signal_type VARCHAR(32) NOT NULL,
    scope VARCHAR(128) NOT NULL,
    decision VARCHAR(16) NOT NULL CHECK (decision IN ('CLEAR', 'WARN', 'BLOCK')),
    reason TEXT,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_governance_signals_scope ON governance_signals (scope);

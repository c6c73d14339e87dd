-- revision: 117_w2_budget_envelopes
-- down_revision: 116_w2_audit_events
-- message: W2: add budget envelopes and usage history

CREATE TABLE budget_envelopes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    scope VARCHAR(32) NOT NULL,
    limit_cents BIGINT NOT NULL CHECK (limit_cents >= 0),
    spent_cents BIGINT NOT NULL DEFAULT 0,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    CHECK (period_end > period_start),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_budget_envelopes_tenant_id_period_start ON budget_envelopes (tenant_id, period_start);

CREATE TABLE budget_usage_history (
    id BIGSERIAL PRIMARY KEY,
    envelope_id UUID NOT NULL REFERENCES budget_envelopes(id) ON DELETE CASCADE,
    delta_cents BIGINT NOT NULL,
    run_id VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_budget_usage_history_envelope_id ON budget_usage_history (envelope_id);

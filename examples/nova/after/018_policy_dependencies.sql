-- revision: 018_policy_dependencies
-- down_revision: 017_policy_evaluations
-- message: Add policy dependencies, conflicts and provenance

CREATE TABLE policy.policy_dependencies (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    depends_on_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    CHECK (policy_id <> depends_on_id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.policy_conflicts (
    id BIGSERIAL PRIMARY KEY,
    policy_a_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    policy_b_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    resolution VARCHAR(32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy.policy_provenance (
    id BIGSERIAL PRIMARY KEY,
    policy_id BIGINT NOT NULL REFERENCES policy.policies(id) ON DELETE CASCADE,
    changed_by VARCHAR(128) NOT NULL,
    change_summary TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

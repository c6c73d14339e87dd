-- revision: baseline
-- down_revision:
-- branch_labels: core_schema
-- message: Schema Foundation Baseline

-- Intentionally empty: the starting point of the core schema branch.

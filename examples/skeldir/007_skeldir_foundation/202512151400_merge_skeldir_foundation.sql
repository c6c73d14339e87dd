-- revision: 202512151400
-- down_revision: 202511131121, 202512151300
-- branch_labels: skeldir_foundation
-- message: Merge skeldir_foundation

-- Structural merge of core_schema and celery_foundation: no schema change.

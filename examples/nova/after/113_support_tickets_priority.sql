-- revision: 113_support_tickets_priority
-- down_revision: 112_run_observability_status
-- message: Add priority to support tickets

ALTER TABLE support_tickets ADD COLUMN priority VARCHAR(8) NOT NULL DEFAULT 'p3' CHECK (priority IN ('p1', 'p2', 'p3', 'p4'));

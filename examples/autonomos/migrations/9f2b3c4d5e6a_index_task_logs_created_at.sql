-- revision: 9f2b3c4d5e6a
-- down_revision: 8e4a1b6c2d5f
-- message: index task logs by creation time

CREATE INDEX ix_task_logs_created_at ON task_logs (created_at);

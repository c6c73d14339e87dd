-- revision: 202512120900
-- down_revision:
-- branch_labels: celery_foundation
-- message: Create Celery broker/result tables

CREATE TABLE kombu_queue (
    id INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL UNIQUE
);

CREATE TABLE kombu_message (
    id INTEGER PRIMARY KEY,
    visible BOOLEAN NOT NULL DEFAULT true,
    timestamp TIMESTAMP,
    payload TEXT NOT NULL,
    version SMALLINT NOT NULL DEFAULT 1,
    queue_id INTEGER REFERENCES kombu_queue(id)
);
CREATE INDEX ix_kombu_message_visible ON kombu_message (visible);
CREATE INDEX ix_kombu_message_timestamp ON kombu_message (timestamp);

CREATE TABLE celery_taskmeta (
    id SERIAL PRIMARY KEY,
    task_id VARCHAR(155) UNIQUE,
    status VARCHAR(50),
    result BYTEA,
    date_done TIMESTAMP,
    traceback TEXT
);

CREATE TABLE celery_tasksetmeta (
    id SERIAL PRIMARY KEY,
    taskset_id VARCHAR(155) UNIQUE,
    result BYTEA,
    date_done TIMESTAMP
);

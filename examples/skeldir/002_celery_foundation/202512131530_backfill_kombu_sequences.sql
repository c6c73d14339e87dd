-- revision: 202512131530
-- down_revision: 202512131200
-- message: Backfill Kombu SQLA transport sequences

-- Kombu's SQLAlchemy transport draws ids from these named sequences, not from column defaults.
CREATE SEQUENCE IF NOT EXISTS queue_id_sequence;
CREATE SEQUENCE IF NOT EXISTS message_id_sequence;
SELECT setval('queue_id_sequence', coalesce((SELECT max(id) FROM kombu_queue), 0) + 1, false);
SELECT setval('message_id_sequence', coalesce((SELECT max(id) FROM kombu_message), 0) + 1, false);
ALTER TABLE kombu_queue ALTER COLUMN id SET DEFAULT nextval('queue_id_sequence');
ALTER TABLE kombu_message ALTER COLUMN id SET DEFAULT nextval('message_id_sequence');
ALTER SEQUENCE queue_id_sequence OWNED BY kombu_queue.id;
ALTER SEQUENCE message_id_sequence OWNED BY kombu_message.id;

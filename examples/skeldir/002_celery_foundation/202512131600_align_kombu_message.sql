-- revision: 202512131600
-- down_revision: 202512131530
-- message: Align kombu_message schema

ALTER TABLE kombu_message ALTER COLUMN timestamp SET DEFAULT now();
ALTER TABLE kombu_message ALTER COLUMN queue_id SET NOT NULL;
ALTER TABLE kombu_message DROP CONSTRAINT kombu_message_queue_id_fkey;
ALTER TABLE kombu_message
    ADD CONSTRAINT kombu_message_queue_id_fkey FOREIGN KEY (queue_id) REFERENCES kombu_queue(id) ON DELETE CASCADE;
CREATE INDEX ix_kombu_message_queue_visible ON kombu_message (queue_id, visible);

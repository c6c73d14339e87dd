-- runbook's PostgreSQL run store, version 1 (docs/design.md "PostgreSQL run store").
-- Applied by runbook itself (src/runs/pg-store-schema.ts) inside one transaction, under an
-- advisory lock; the schema `runbook` and its version table exist before this file runs.

-- One row per run: run.json and snapshot.json as written (verbatim text), plus the columns
-- `runs` lists and orders by. A later migration adds a fleet table and a nullable
-- `runs.fleet_id` referencing it; nothing here assumes a run stands alone.
CREATE TABLE runbook.runs (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$' AND id !~ '[.][.]'),
  record      text NOT NULL,
  snapshot    text,
  status      text NOT NULL,
  procedure   text NOT NULL,
  started_at  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_started_at ON runbook.runs (started_at DESC, id DESC);

-- The hash-chained event log: one row per line, the line verbatim without its newline. seq is
-- the line's own seq (1, 2, … with no gap, enforced by the insert), so reading the rows in seq
-- order and joining them with newlines gives the bytes of events.jsonl exactly.
CREATE TABLE runbook.events (
  run_id  text NOT NULL REFERENCES runbook.runs (id) ON DELETE CASCADE,
  seq     bigint NOT NULL CHECK (seq > 0),
  line    text NOT NULL CHECK (position(E'\n' in line) = 0),
  PRIMARY KEY (run_id, seq)
);

-- Artifacts by name (a relative path such as `procedure.yaml` or `diffs/a.txt`), as bytes.
CREATE TABLE runbook.artifacts (
  run_id      text NOT NULL REFERENCES runbook.runs (id) ON DELETE CASCADE,
  name        text NOT NULL,
  content     bytea NOT NULL,
  written_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, name)
);

-- Who holds (or last held) a run's lock, for the refusal message. The lock itself is a session
-- advisory lock; this row only describes it and is stale whenever the advisory lock is free.
CREATE TABLE runbook.run_locks (
  run_id       text PRIMARY KEY REFERENCES runbook.runs (id) ON DELETE CASCADE,
  pid          integer NOT NULL,
  host         text NOT NULL,
  command      text NOT NULL,
  since        text NOT NULL,
  backend_pid  integer NOT NULL
);

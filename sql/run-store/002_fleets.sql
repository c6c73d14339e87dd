-- runbook's PostgreSQL run store, version 2: fleets (docs/design.md "Fleets").
-- A fleet is one procedure over many targets; each target is its own run in runbook.runs,
-- named in advance (run_id) so that whoever drives the target next (this process, a worker, a
-- `fleet resume`) finds the run and resumes it instead of starting another.

CREATE TABLE runbook.fleets (
  id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'),
  procedure       text NOT NULL,
  -- The procedure file as given (relative to the working directory of `fleet run`).
  procedure_file  text NOT NULL,
  targets_file    text NOT NULL,
  -- The authority resolved when the fleet was created (flags over DB_* variables), with what
  -- confirmed prod writes (`confirmedBy`); names and booleans, never a secret.
  authority       jsonb NOT NULL DEFAULT '{}',
  concurrency     integer NOT NULL CHECK (concurrency > 0),
  per_server      integer CHECK (per_server > 0),
  queued          boolean NOT NULL DEFAULT false,
  command         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per target. server is the server URL without a password; params are the raw
-- `--param` values of this target (a procedure's secret params are refused in a fleet).
CREATE TABLE runbook.fleet_targets (
  fleet_id     text NOT NULL REFERENCES runbook.fleets (id) ON DELETE CASCADE,
  position     integer NOT NULL CHECK (position >= 0),
  name         text NOT NULL,
  server       text NOT NULL,
  server_key   text NOT NULL,
  params       jsonb NOT NULL,
  run_id       text NOT NULL UNIQUE,
  status       text NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'incomplete', 'refused')),
  failed_step  text,
  code         text,
  message      text,
  drives       integer NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (fleet_id, position)
);
CREATE INDEX fleet_targets_status ON runbook.fleet_targets (fleet_id, status);

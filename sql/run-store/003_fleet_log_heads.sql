-- runbook's PostgreSQL run store, version 3: each fleet target's log head (docs/design.md
-- "Fleets"): the line count and the SHA-256 of the last line of the target's event log as the
-- drive that last ended left it, what a lone `run` or `resume` prints as its `log:` line, so that
-- a reviewer can keep them apart from the store and check each log against them
-- (`runbook replay <run> --anchor <head>`).

ALTER TABLE runbook.fleet_targets
  ADD COLUMN log_lines integer CHECK (log_lines >= 0),
  ADD COLUMN log_head text CHECK (log_head ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT fleet_targets_log_head_whole CHECK ((log_lines IS NULL) = (log_head IS NULL));

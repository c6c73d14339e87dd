-- revision: 115_add_inflection_point_metadata
-- down_revision: 114_log_exports_status
-- message: Add inflection point metadata to incidents

ALTER TABLE incidents ADD COLUMN inflection_step_index INTEGER;
ALTER TABLE incidents ADD COLUMN inflection_timestamp TIMESTAMPTZ;
ALTER TABLE incidents ADD COLUMN inflection_context JSONB;

-- 075 consolidated sdsr_incidents into incidents and dropped it: only alter it where it survives.
DO $guard$
BEGIN
    IF to_regclass('public.sdsr_incidents') IS NOT NULL THEN
        ALTER TABLE sdsr_incidents ADD COLUMN IF NOT EXISTS inflection_step_index INTEGER;
    END IF;
END
$guard$;

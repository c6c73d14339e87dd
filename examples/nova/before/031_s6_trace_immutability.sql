-- revision: 031_s6_trace_immutability
-- down_revision: 030_aos_traces_retention
-- message: Make trace steps immutable with a trigger

CREATE OR REPLACE FUNCTION reject_trace_step_mutation() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Trace steps are evidence: they may be archived (deleted) but never rewritten.
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'aos_trace_steps is append-only (trace %, step %)', OLD.trace_id, OLD.step_index
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER aos_trace_steps_immutable
    BEFORE UPDATE ON aos_trace_steps
    FOR EACH ROW EXECUTE FUNCTION reject_trace_step_mutation();

import type { RunStore } from '../runs/run-store.js';
import type { StepFailureRecord } from '../errors.js';

/**
 * The engine's failure-diagnosis hook: for SQLSTATEs the catalog knows (42P01, 42703, 42704,
 * unrecognized configuration parameter) it asks the catalog's diagnosis with this run's
 * provenance and the migration history, and fills `failure.diagnosis`. Loaded lazily so runs
 * that never fail do not load the SQL parser.
 */
export function diagnoseWith(
  store: RunStore,
  runId: string,
): (failure: StepFailureRecord) => Promise<StepFailureRecord> {
  return async (failure) => {
    if (failure.diagnosis) return failure;
    try {
      const { diagnoseRunFailure } = await import('../catalog/diagnose-run-failure.js');
      const diagnosis = await diagnoseRunFailure(failure, {
        readArtifact: (name: string) => store.readArtifact(runId, name),
      });
      return diagnosis ? { ...failure, diagnosis } : failure;
    } catch {
      return failure;
    }
  };
}

import type { RunResult } from '../engine/finish-run.js';

/** The one `--json` result object of `run` and `resume`, on stdout. */
export function printRunResult(result: RunResult): void {
  const { runId, status, exitCode, runDir, failures, outputs, checklist, log } = result;
  process.stdout.write(
    JSON.stringify(
      {
        ok: status === 'succeeded',
        exitCode,
        runId,
        status,
        runDir,
        failures,
        outputs,
        checklist,
        log,
      },
      null,
      2,
    ) + '\n',
  );
}

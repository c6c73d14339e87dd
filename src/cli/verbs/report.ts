import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRunReport } from '../../report/load-run-report.js';
import { describeIntegrity } from '../../report/describe.js';
import { renderReportHtml } from '../../report/render-report-html.js';
import { DEFAULT_RUNS_DIR, FileRunStore } from '../../runs/file-run-store.js';

/**
 * `runbook report <run-id> --html <file>`: writes the run's self-contained HTML report. The log
 * is verified and replayed offline first; a tampered log still gets its report (built from the
 * lines before the bad one, saying TAMPERED at line N) and the command then exits 4.
 */
export async function reportVerb(
  id: string,
  flags: { runsDir?: string; html: string; json?: boolean },
): Promise<number> {
  const store = new FileRunStore(flags.runsDir ?? DEFAULT_RUNS_DIR).check('read');
  const runId = await store.resolve(id);
  const report = await loadRunReport(path.dirname(store.eventLogPath(runId)));
  const file = path.resolve(flags.html);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, renderReportHtml(report));
  const v = report.timeline.integrity;
  const exitCode = v.status === 'tampered' ? 4 : 0;
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({ ok: exitCode === 0, runId, file, integrity: v }, null, 2) + '\n',
    );
  }
  process.stderr.write(
    `report of ${runId} written to ${file}\nlog integrity: ${describeIntegrity(v)}\n`,
  );
  return exitCode;
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRunReport } from '../../report/load-run-report.js';
import { describeIntegrity } from '../../report/describe.js';
import { renderReportHtml } from '../../report/render-report-html.js';
import { withRunStore } from '../../runs/open-run-store.js';
import { storeSpec } from '../store-spec.js';

/**
 * `runbook report <run-id> --html <file>`: writes the run's self-contained HTML report. The log
 * is verified and replayed offline first; a tampered log still gets its report (built from the
 * lines before the bad one, saying TAMPERED at line N) and the command then exits 4, as it does
 * for a log that does not pass through `--anchor` (see `replay`).
 */
export async function run(
  [id]: string[],
  o: { runsDir?: string; store?: string; html: string; json?: boolean; anchor?: string },
): Promise<number> {
  const { runId, report } = await withRunStore(await storeSpec(o), 'read', async ({ store }) => {
    const runId = await store.resolve(id!);
    const options = o.anchor !== undefined ? { anchor: o.anchor } : {};
    return { runId, report: await loadRunReport({ store, id: runId }, options) };
  });
  const file = path.resolve(o.html);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, renderReportHtml(report));
  const v = report.timeline.integrity;
  const exitCode = v.status === 'tampered' ? 4 : 0;
  if (o.json) {
    process.stdout.write(
      JSON.stringify({ ok: exitCode === 0, runId, file, integrity: v }, null, 2) + '\n',
    );
  }
  process.stderr.write(
    `report of ${runId} written to ${file}\nlog integrity: ${describeIntegrity(v)}\n`,
  );
  return exitCode;
}

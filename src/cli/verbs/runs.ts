import { FileRunStore } from '../../runs/file-run-store.js';

function age(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function duration(a: string, b: string | undefined): string {
  if (!b) return '';
  const s = (Date.parse(b) - Date.parse(a)) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/** `runbook runs`: a table of runs (id, procedure, status, where it stopped, started, duration). */
export async function runsVerb(o: { runsDir: string; json?: boolean }): Promise<number> {
  const list = await new FileRunStore(o.runsDir).list();
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        list.map((r) =>
          'record' in r
            ? {
                id: r.id,
                status: r.status,
                procedure: r.record.procedure,
                currentStep: r.record.currentStep ?? null,
                failure: r.record.failure ?? null,
                startedAt: r.record.startedAt,
                updatedAt: r.record.updatedAt,
                finishedAt: r.record.finishedAt ?? null,
                attempts: r.record.attempts,
              }
            : r,
        ),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const rows = list.map((r) =>
    'record' in r
      ? [
          r.id,
          r.record.procedure,
          r.status,
          r.status === 'succeeded' ? '' : (r.record.currentStep ?? ''),
          age(r.record.startedAt),
          duration(
            r.record.startedAt,
            r.record.finishedAt ?? (r.status !== 'running' ? r.record.updatedAt : undefined),
          ),
        ]
      : [r.id, '?', 'corrupt', r.problem, '', ''],
  );
  const header = ['ID', 'PROCEDURE', 'STATUS', 'STOPPED AT', 'STARTED', 'DURATION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    process.stdout.write(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  return 0;
}

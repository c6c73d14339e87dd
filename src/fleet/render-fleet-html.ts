import { markup } from '../report/markup.js';
import { REPORT_CSS } from '../report/report-style.js';
import type { FleetRecord, FleetTarget } from './fleet-store.js';
import { summarizeFleet, summaryLine } from './fleet-summary.js';
import { logHeadText } from '../runs/log-anchor.js';

/**
 * One self-contained HTML page for a whole fleet (`runbook fleet report <id> --html FILE`): the
 * fleet, its summary, the failures with step, code and message, and the per-target table with each
 * target's run id (its own `runbook report` covers the run) and log head. Every value is escaped;
 * nothing is fetched from anywhere.
 */
export function renderFleetHtml(fleet: FleetRecord, targets: readonly FleetTarget[]): string {
  const s = summarizeFleet(targets);
  const badge = s.succeeded === s.total ? 'succeeded' : s.running > 0 ? 'running' : 'stopped';
  const rows = targets.map(
    (t) => markup`<tr class="${t.status === 'succeeded' ? '' : 'fail'}">
<td>${t.name}</td><td>${t.status}</td><td>${t.failedStep ?? ''}</td><td>${t.code ?? ''}</td>
<td><code>${t.runId}</code></td><td>${t.drives}</td><td>${t.serverKey}</td>
<td>${t.log ? markup`<code>${logHeadText(t.log)}</code>` : ''}</td></tr>`,
  );
  const failures = s.failures.map(
    (f) => markup`<div class="failure"><strong>${f.target}</strong>: ${f.status} at
<code>${f.step ?? '?'}</code> (${f.code ?? '?'})<div class="field">message</div>${f.message ?? ''}
<div class="field">run</div><code>${f.runId}</code></div>`,
  );
  return markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fleet ${fleet.id}</title>
<style>${REPORT_CSS}</style></head><body>
<h1>fleet ${fleet.id} <span class="status-badge ${badge}">${summaryLine(s)}</span></h1>
<p>procedure <code>${fleet.procedure}</code> (${fleet.procedureFile}), targets
<code>${fleet.targetsFile}</code>, ${fleet.queued ? 'queued for workers' : 'driven in one process'},
concurrency ${fleet.concurrency}${fleet.perServer ? `, ${fleet.perServer} per server` : ''},
created ${fleet.createdAt}</p>
<h2>Failures</h2>${failures.length > 0 ? failures : markup`<p class="ok-note">none</p>`}
<h2>Targets</h2>
<table><thead><tr><th>target</th><th>status</th><th>step</th><th>code</th><th>run</th>
<th>drives</th><th>server</th><th>log head</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`.toString();
}

import {
  clock,
  dateTime,
  describeEventRow,
  describeMigrationRow,
  duration,
  failureOrigin,
} from './describe.js';
import { markup, type SafeHtml } from './markup.js';
import type { Timeline, TimelineFailure, TimelineRow } from './timeline-types.js';

const OUTCOME: Record<string, string> = {
  succeeded: '✓ succeeded',
  failed: '✗ failed',
  'not-run': '· not run',
  interrupted: '… interrupted',
};

function row(r: TimelineRow): SafeHtml {
  if (r.kind !== 'step') {
    const cls = r.kind === 'finished' ? `event finished-${r.status}` : `event event-${r.kind}`;
    return markup`<tr class="${cls}" data-kind="${r.kind}">
      <td class="time" title="${r.time}">${clock(r.time)}</td>
      <td colspan="4">▸ ${describeEventRow(r)}</td>
    </tr>`;
  }
  const detail =
    r.outcome === 'failed' && r.failure
      ? markup`<span class="sqlstate">${r.failure.code}</span> ${r.failure.message}`
      : r.outcome === 'not-run'
        ? `not run: ${r.condition ?? 'condition false'}`
        : r.outcome === 'interrupted'
          ? 'no outcome logged: the process died or is still running'
          : (r.summary ?? '');
  return markup`<tr class="step outcome-${r.outcome}" data-kind="step" data-step="${r.step}">
    <td class="time" title="${r.time}">${clock(r.time)}</td>
    <td>
      <b>${r.step}</b
      >${r.attempt > 1 ? markup` <span class="attempt">#${r.attempt}</span>` : ''}${r.phase === 'finally' ? markup` <span class="tag">finally</span>` : ''}
      <div class="muted">${r.action}</div>
    </td>
    <td class="outcome">${OUTCOME[r.outcome]}</td>
    <td class="num">${r.outcome === 'not-run' ? '' : duration(r.durationMs)}</td>
    <td class="detail">
      ${detail}${
        r.migrations.length > 0
          ? markup`<ul class="migrations">
              ${r.migrations.map(
                (m) => markup`<li class="mig mig-${m.kind}">${describeMigrationRow(m)}</li>`,
              )}
            </ul>`
          : ''
      }
    </td>
  </tr>`;
}

/** The chronological timeline as a table (UTC times; the full ISO time is each cell's tooltip). */
export function renderTimelineTable(timeline: Timeline): SafeHtml {
  return markup`<table class="timeline">
    <thead>
      <tr>
        <th>Time (UTC)</th>
        <th>Step</th>
        <th>Outcome</th>
        <th>Duration</th>
        <th>Details</th>
      </tr>
    </thead>
    <tbody>
      ${timeline.rows.map(row)}
    </tbody>
  </table>`;
}

function failure(f: TimelineFailure): SafeHtml {
  const origin = failureOrigin(f);
  return markup`<div
    class="${f.resolved ? 'failure resolved' : 'failure open'}"
    data-step="${f.step}"
  >
    <div class="failure-head">
      <span class="sqlstate">${f.code}</span> <b>${f.step}</b>
      <span class="muted"
        >attempt ${f.attempt}, ${dateTime(f.time)}${f.then ? ` — then ${f.then}` : ''}</span
      >
    </div>
    <pre class="message">${f.message}</pre>
    ${origin ? markup`<div class="origin">${origin}</div>` : ''}
    ${
      f.statement
        ? markup`<div class="field">statement</div>
            <pre class="statement">${f.statement.trim()}</pre>`
        : ''
    }
    ${
      f.detail
        ? markup`<div class="field">detail</div>
            <div>${f.detail}</div>`
        : ''
    }
    ${
      f.hint
        ? markup`<div class="field">hint</div>
            <div>${f.hint}</div>`
        : ''
    }
    ${
      f.diagnosis
        ? markup`<div class="diagnosis">
            <div class="field">diagnosis</div>
            ${f.diagnosis}
          </div>`
        : ''
    }
  </div>`;
}

/**
 * The failure panel: the failures the run stopped on first, in full (SQLSTATE, message,
 * migration, file:line, statement, detail, hint, diagnosis), then earlier failures that a retry
 * or a skip got past, folded.
 */
export function renderFailures(timeline: Timeline): SafeHtml {
  if (timeline.failures.length === 0) return markup`<p class="ok-note">No step failed.</p>`;
  const open = timeline.failures.filter((f) => !f.resolved);
  const past = timeline.failures.filter((f) => f.resolved);
  return markup`${open.map(failure)}${
    past.length > 0
      ? markup`<details class="past-failures" ${open.length === 0 ? markup` open` : ''}>
          <summary>${past.length} earlier failure(s) a retry or skip got past</summary>
          ${past.map(failure)}
        </details>`
      : ''
  }`;
}

/** Who intervened, when, and the checksums involved. */
export function renderInterventions(timeline: Timeline): SafeHtml {
  if (timeline.interventions.length === 0) {
    return markup`<p class="muted">None: the run went through without an operator.</p>`;
  }
  return markup`<table class="interventions">
    <thead>
      <tr>
        <th>When (UTC)</th>
        <th>Who</th>
        <th>What</th>
      </tr>
    </thead>
    <tbody>
      ${timeline.interventions.map(
        (i) =>
          markup`<tr data-kind="${i.kind}">
            <td class="time">${dateTime(i.time)}</td>
            <td>${i.by}</td>
            <td>
              ${i.detail}${i.checksums.map(
                (c) =>
                  markup`<div class="checksum">
                    <span class="muted">${c.subject}</span><br /><code>${c.old}</code> →<br /><code
                      >${c.new}</code
                    >
                  </div>`,
              )}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

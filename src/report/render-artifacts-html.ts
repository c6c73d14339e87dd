import type { ChecklistResult } from '../engine/checklist.js';
import type { JsonValue } from '../json.js';
import { markup, type SafeHtml } from './markup.js';
import type { RunArtifacts } from './read-artifacts.js';

const show = (v: JsonValue): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The checklist recomputed from the log, one row per item with its status and evidence. */
export function renderChecklist(items: readonly ChecklistResult[]): SafeHtml {
  if (items.length === 0) return markup`<p class="muted">The procedure declares no checklist.</p>`;
  return markup`<table class="checklist">
    <thead>
      <tr>
        <th>#</th>
        <th>Item</th>
        <th>Step</th>
        <th>Status</th>
        <th>Evidence</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (c, i) =>
          markup`<tr data-status="${c.status}">
            <td class="num">${i + 1}</td>
            <td>${c.item}</td>
            <td><code>${c.step}</code></td>
            <td>
              <span class="${`pill pill-${c.status.replace(' ', '-').toLowerCase()}`}"
                >${c.status}</span
              >
            </td>
            <td class="evidence">${c.evidence}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * The tables the run's artifacts hold: each `schema.expect` step's expectations (expected vs
 * actual, pass/fail), each `schema.diff` step's differing objects with its readable text, and
 * text summaries. Returns null when the run produced none.
 */
export function renderArtifacts(artifacts: RunArtifacts): SafeHtml | null {
  const { expectations, diffs, summaries } = artifacts;
  if (expectations.length + diffs.length + summaries.length === 0) return null;
  return markup`${expectations.map((e) => expectationsTable(e))}
  ${diffs.map((d) => diffSection(d))}
  ${summaries.map(
    (s) =>
      markup`<h3><code>${s.name}</code></h3>
        <pre class="summary">${s.text}</pre>`,
  )}`;
}

/** One `schema.expect` step's expectations: expected vs actual, pass or fail. */
function expectationsTable(e: RunArtifacts['expectations'][number]): SafeHtml {
  return markup`<h3>
          Expectations of step
          <code>${e.step}</code>${e.database ? markup` on <code>${e.database}</code>` : ''}
        </h3>
        <table class="expectations" data-step="${e.step}">
          <thead>
            <tr>
              <th>Check</th>
              <th>Expected</th>
              <th>Actual</th>
              <th>Result</th>
            </tr>
          </thead>
          <tbody>
            ${e.results.map(
              (r) =>
                markup`<tr class="${r.pass ? 'pass' : 'fail'}">
                  <td>${r.subject}</td>
                  <td><code>${show(r.expected)}</code></td>
                  <td><code>${show(r.actual)}</code></td>
                  <td>
                    <span class="${r.pass ? 'pill pill-pass' : 'pill pill-fail'}"
                      >${r.pass ? 'PASS' : 'FAIL'}</span
                    >
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`;
}

/** One `schema.diff` step's differing objects and its readable text. */
function diffSection(d: RunArtifacts['diffs'][number]): SafeHtml {
  return markup`<h3>
          Schema diff of step <code>${d.step}</code>: <code>${d.left}</code> vs
          <code>${d.right}</code>
        </h3>
        <p class="${d.equal ? 'ok-note' : 'fail-note'}" data-step="${d.step}">
          ${d.equal ? 'The schemas are equal.' : `${d.differences ?? d.objects.length} difference(s).`}
        </p>
        ${
          d.objects.length > 0
            ? markup`<table class="diff">
                <thead>
                  <tr>
                    <th>Kind</th>
                    <th>Object</th>
                    <th>Where</th>
                    <th>Changes</th>
                  </tr>
                </thead>
                <tbody>
                  ${d.objects.map(
                    (o) =>
                      markup`<tr>
                        <td>${o.kind}</td>
                        <td><code>${o.name}</code></td>
                        <td>
                          ${o.status === 'only-left' ? `only in ${d.left}` : o.status === 'only-right' ? `only in ${d.right}` : 'changed'}
                        </td>
                        <td>
                          ${
                            o.changes.length > 0
                              ? markup`<ul>
                                  ${o.changes.map((c) => markup`<li>${c}</li>`)}
                                </ul>`
                              : ''
                          }
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : ''
        }
        ${
          d.text && !d.equal
            ? markup`<details>
                <summary>Readable diff</summary>
                <pre>${d.text}</pre>
              </details>`
            : ''
        }`;
}

import { duration } from './describe.js';
import { markup, type SafeHtml } from './markup.js';
import type { OutlineAction, OutlineItem, ProcedureOutline } from './procedure-outline.js';
import type { StepSummary, Timeline } from './timeline-types.js';

const ICON: Record<StepSummary['status'], string> = {
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  'condition-skipped': '·',
  running: '…',
  'not-run': '',
};

const LABEL: Record<StepSummary['status'], string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'marked done by hand',
  'condition-skipped': 'condition false: not run',
  running: 'in flight (interrupted)',
  'not-run': 'not reached',
};

interface Ctx {
  steps: Map<string, StepSummary>;
  stopped: Set<string>;
}

const reached = (ctx: Ctx, id: string): boolean =>
  (ctx.steps.get(id)?.status ?? 'not-run') !== 'not-run';

/** Whether any step of an item was reached (a parallel block counts when a branch started). */
function itemReached(ctx: Ctx, item: OutlineItem): boolean {
  if (item.kind === 'action') return reached(ctx, item.id);
  return item.branches.some((b) => b.steps.some((s) => itemReached(ctx, s)));
}

function node(ctx: Ctx, step: OutlineAction): SafeHtml {
  const s = ctx.steps.get(step.id);
  const status = s?.status ?? 'not-run';
  const stopped = ctx.stopped.has(step.id);
  const classes = [
    'node',
    `status-${status}`,
    reached(ctx, step.id) ? 'taken' : '',
    stopped ? 'stopped' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return markup`<div
    class="${classes}"
    data-step="${step.id}"
    data-status="${status}"
    title="${step.description ?? ''}"
  >
    <div class="node-head"><span class="icon">${ICON[status]}</span> <b>${step.id}</b></div>
    <div class="node-action">${step.action}</div>
    <div class="node-state">
      ${LABEL[status]}${s && s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}${s?.durationMs != null ? ` · ${duration(s.durationMs)}` : ''}
    </div>
    ${stopped ? markup`<div class="stop-marker">■ ${status === 'running' ? 'interrupted here' : 'stopped here'}</div>` : ''}
  </div>`;
}

function arrow(taken: boolean): SafeHtml {
  return markup`<div class="${taken ? 'arrow taken' : 'arrow'}" aria-hidden="true"></div>`;
}

function sequence(ctx: Ctx, items: readonly OutlineItem[]): SafeHtml[] {
  const out: SafeHtml[] = [];
  items.forEach((item, i) => {
    if (i > 0) out.push(arrow(itemReached(ctx, item)));
    if (item.kind === 'action') out.push(node(ctx, item));
    else {
      const taken = itemReached(ctx, item);
      out.push(
        markup`<div class="${taken ? 'parallel taken' : 'parallel'}" data-step="${item.id}">
          <div class="parallel-label">
            parallel <b>${item.id}</b>${item.description ? markup` — ${item.description}` : ''}
          </div>
          <div class="branches">
            ${item.branches.map(
              (b) =>
                markup`<div class="branch" data-branch="${b.id}">
                  <div class="branch-label">${b.id}</div>
                  ${sequence(ctx, b.steps)}
                </div>`,
            )}
          </div>
        </div>`,
      );
    }
  });
  return out;
}

/**
 * The procedure's state diagram as an HTML flow (no script, no external resource): the main
 * steps in order, parallel branches side by side, then the `finally` block; the steps the run
 * reached and the arrows into them are highlighted, and the step(s) where it stopped are marked.
 */
export function renderDiagram(outline: ProcedureOutline | null, timeline: Timeline): SafeHtml {
  if (!outline) {
    return markup`<p class="muted">
      No diagram: the procedure source saved with the run is missing, invalid, or does not match the
      log's hash.
    </p>`;
  }
  const ctx: Ctx = {
    steps: new Map(timeline.steps.map((s) => [s.id, s])),
    stopped: new Set(timeline.status === 'succeeded' ? [] : timeline.stoppedAt),
  };
  const first = outline.main[0];
  const mainDone = timeline.status === 'succeeded';
  return markup`<div class="diagram">
    <div class="flow main-flow">
      <div class="terminal taken">start</div>
      ${first ? arrow(itemReached(ctx, first)) : ''} ${sequence(ctx, outline.main)}
      ${arrow(mainDone)}
      <div class="${mainDone ? 'terminal taken' : 'terminal'}">completed</div>
    </div>
    ${
      outline.finally.length > 0
        ? markup`<div class="flow finally-flow">
            <div class="finally-label">finally — always runs once the main steps settle</div>
            ${sequence(ctx, outline.finally)}
          </div>`
        : ''
    }
    <div class="legend">
      <span class="node-chip status-succeeded">succeeded</span>
      <span class="node-chip status-failed">failed</span>
      <span class="node-chip status-skipped">done by hand</span>
      <span class="node-chip status-condition-skipped">condition false</span>
      <span class="node-chip status-not-run">not reached</span>
      <span class="node-chip stopped">stopped here</span>
    </div>
  </div>`;
}

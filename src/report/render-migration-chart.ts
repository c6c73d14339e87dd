import { duration } from './describe.js';
import { markup, type SafeHtml } from './markup.js';
import type { StepMigrations } from './timeline-types.js';
import { shortRevision } from './collapse-migrations.js';

const WIDTH = 960;
const HEIGHT = 180;
const PAD_LEFT = 56;
const PAD_BOTTOM = 22;
const ATTEMPT_COLORS = ['#3b82f6', '#14b8a6', '#a855f7', '#f59e0b', '#64748b'];

/**
 * One migration step's durations as an inline SVG bar chart: a bar per applied migration in the
 * order applied (coloured by attempt), the slowest labelled, and the migration it stopped at as a
 * red marker after the last bar. Each bar's tooltip names the revision and its duration.
 */
function chart(m: StepMigrations): SafeHtml {
  const bars = m.applied;
  const slots = bars.length + (m.failedAt ? 1 : 0);
  const plotW = WIDTH - PAD_LEFT - 8;
  const plotH = HEIGHT - PAD_BOTTOM - 16;
  const slot = slots > 0 ? plotW / slots : plotW;
  const barW = Math.max(1, slot * 0.8);
  const max = Math.max(1, ...bars.map((b) => b.durationMs));
  const y = (ms: number): number => 16 + plotH - (ms / max) * plotH;
  const attempts = [...new Set(bars.map((b) => b.attempt))];
  const geometry: ChartGeometry = { slot, barW, plotH, y, attempts };
  return markup`<svg
      class="chart"
      role="img"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="100%"
      data-step="${m.step}"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>Migration durations of step ${m.step}</title>
      <line x1="${PAD_LEFT}" y1="16" x2="${PAD_LEFT}" y2="${16 + plotH}" stroke="#94a3b8" />
      <line
        x1="${PAD_LEFT}"
        y1="${16 + plotH}"
        x2="${WIDTH - 8}"
        y2="${16 + plotH}"
        stroke="#94a3b8"
      />
      <text x="${PAD_LEFT - 6}" y="20" text-anchor="end" class="axis">${duration(max)}</text>
      <text x="${PAD_LEFT - 6}" y="${16 + plotH}" text-anchor="end" class="axis">0</text>
      ${bars.map((b, i) => barOf(b, i, geometry))}
      ${slowestLabel(m, geometry)}
      ${failedMarker(m, geometry)}
      <text class="axis" x="${PAD_LEFT}" y="${HEIGHT - 6}">
        ${bars[0] ? shortRevision(bars[0].revision) : ''}
      </text>
      ${
        bars.length > 1 && !m.failedAt
          ? markup`<text class="axis" x="${WIDTH - 8}" y="${HEIGHT - 6}" text-anchor="end"
              >${shortRevision(bars[bars.length - 1]!.revision)}</text
            >`
          : ''
      }
    </svg>
    <p class="chart-caption">
      ${m.step}: ${bars.length} migrations applied, ${duration(m.totalMs)} in
      total${m.slowest ? `, slowest ${m.slowest.revision} (${duration(m.slowest.durationMs)})` : ''}${attempts.length > 1 ? markup` — colours by attempt: ${attempts.map((a, i) => markup`<span class="swatch" style="background:${ATTEMPT_COLORS[Math.min(i, ATTEMPT_COLORS.length - 1)]!}"></span> #${a} `)}` : ''}
    </p>`;
}

/** Where one chart's bars go: the slot and bar widths, the plot height, the y of a duration. */
interface ChartGeometry {
  slot: number;
  barW: number;
  plotH: number;
  y: (ms: number) => number;
  /** The attempts the bars come from, in order (a colour each). */
  attempts: number[];
}

/** One applied migration's bar, coloured by its attempt, its tooltip naming it. */
function barOf(b: StepMigrations['applied'][number], i: number, g: ChartGeometry): SafeHtml {
  const { slot, barW, plotH, y, attempts } = g;
  const x = PAD_LEFT + i * slot + (slot - barW) / 2;
  const top = y(b.durationMs);
  const color = ATTEMPT_COLORS[Math.min(attempts.indexOf(b.attempt), ATTEMPT_COLORS.length - 1)]!;
  return markup`<rect
    class="bar"
    x="${x.toFixed(1)}"
    y="${top.toFixed(1)}"
    width="${barW.toFixed(1)}"
    height="${Math.max(0.5, 16 + plotH - top).toFixed(1)}"
    fill="${color}"
    ><title>${b.revision}: ${duration(b.durationMs)} (attempt ${b.attempt})</title></rect
  >`;
}

/** The slowest migration's label above its bar. */
function slowestLabel(m: StepMigrations, g: ChartGeometry): SafeHtml | '' {
  const { slot, y } = g;
  const bars = m.applied;
  const slowestIndex = bars.findIndex((b) => m.slowest && b.revision === m.slowest.revision);
  return slowestIndex >= 0 && m.slowest
    ? markup`<text
              class="label"
              x="${(PAD_LEFT + slowestIndex * slot + slot / 2).toFixed(1)}"
              y="${(y(m.slowest.durationMs) - 4).toFixed(1)}"
              text-anchor="${slowestIndex > bars.length / 2 ? 'end' : 'start'}"
              >slowest: ${m.slowest.revision} ${duration(m.slowest.durationMs)}</text
            >`
    : '';
}

/** The red marker of the migration the step stopped at, after the last bar. */
function failedMarker(m: StepMigrations, g: ChartGeometry): SafeHtml | '' {
  const { slot, barW, plotH } = g;
  const failedX = PAD_LEFT + m.applied.length * slot;
  return m.failedAt
    ? markup`<g class="failed-marker"
              ><rect
                x="${failedX.toFixed(1)}"
                y="16"
                width="${Math.max(2, barW).toFixed(1)}"
                height="${plotH}"
                fill="#dc2626"
                opacity="0.85"
                ><title>${m.failedAt}: failed</title></rect
              ><text
                class="label fail"
                x="${(failedX - 2).toFixed(1)}"
                y="${HEIGHT - 6}"
                text-anchor="end"
                >stopped at ${m.failedAt}</text
              ></g
            >`
    : '';
}

/** Every migration step's duration chart (or a note when the run applied none). */
export function renderMigrationCharts(migrations: readonly StepMigrations[]): SafeHtml {
  if (migrations.length === 0) return markup`<p class="muted">This run applied no migrations.</p>`;
  return markup`${migrations.map((m) => markup`<figure class="chart-figure">${chart(m)}</figure>`)}`;
}

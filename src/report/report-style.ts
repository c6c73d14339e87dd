/** The report's stylesheet, inlined in the page: system fonts only, nothing fetched. */
export const REPORT_CSS = `
:root { --ok:#15803d; --okbg:#dcfce7; --fail:#b91c1c; --failbg:#fee2e2; --warn:#a16207; --warnbg:#fef9c3;
  --muted:#64748b; --line:#e2e8f0; --accent:#2563eb; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #0f172a; background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
code, pre, .time, .sqlstate { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-word; background: #fff; border: 1px solid var(--line); padding: 8px 10px; border-radius: 6px; margin: 4px 0; }
.muted { color: var(--muted); }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 4px 18px 16px; margin: 16px 0; }
.integrity { border-radius: 10px; padding: 12px 18px; font-weight: 600; font-size: 15px; margin: 12px 0; }
.integrity.verified { background: var(--okbg); color: var(--ok); border: 1px solid #86efac; }
.integrity.tampered { background: var(--failbg); color: var(--fail); border: 2px solid var(--fail); font-size: 17px; }
.integrity.unchecked { background: var(--warnbg); color: var(--warn); }
.status-badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 700; font-size: 13px; }
.status-badge.succeeded { background: var(--okbg); color: var(--ok); }
.status-badge.stopped { background: var(--failbg); color: var(--fail); }
.status-badge.running { background: var(--warnbg); color: var(--warn); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num { text-align: right; white-space: nowrap; }
td.time { white-space: nowrap; color: var(--muted); }
tr.outcome-failed td.outcome, tr.fail td { color: var(--fail); font-weight: 600; }
tr.outcome-succeeded td.outcome { color: var(--ok); }
tr.outcome-interrupted td.outcome { color: var(--warn); font-weight: 600; }
tr.outcome-not-run, tr.event { color: var(--muted); }
tr.event-resumed td, tr.event-skipped td, tr.event-procedure-changed td { color: #7c2d12; background: #fff7ed; }
tr.finished-stopped td { color: var(--fail); font-weight: 600; }
tr.finished-succeeded td { color: var(--ok); font-weight: 600; }
ul.migrations { margin: 4px 0 0; padding-left: 18px; font-family: ui-monospace, monospace; font-size: 12px; color: #334155; }
li.mig { white-space: pre-wrap; } td.outcome { white-space: nowrap; }
li.mig-failed { color: var(--fail); font-weight: 600; } li.mig-changed, li.mig-skipped { color: var(--warn); }
.attempt, .tag { font-size: 11px; padding: 0 6px; border-radius: 4px; background: #e0e7ff; color: #3730a3; }
.sqlstate { display: inline-block; background: var(--fail); color: #fff; padding: 0 6px; border-radius: 4px; font-weight: 700; }
.failure { border-left: 4px solid var(--fail); background: #fff5f5; padding: 8px 12px; margin: 10px 0; border-radius: 4px; }
.failure.resolved { border-left-color: #f59e0b; background: #fffbeb; }
.failure .field { font-size: 11px; text-transform: uppercase; color: var(--muted); margin-top: 6px; }
.diagnosis { background: #fef2f2; border: 1px dashed var(--fail); padding: 6px 10px; margin-top: 8px; border-radius: 4px; }
.origin { font-family: ui-monospace, monospace; font-size: 12.5px; }
.ok-note { color: var(--ok); font-weight: 600; } .fail-note { color: var(--fail); font-weight: 600; }
.pill { display: inline-block; padding: 0 8px; border-radius: 999px; font-weight: 700; font-size: 12px; }
.pill-pass { background: var(--okbg); color: var(--ok); } .pill-fail { background: var(--failbg); color: var(--fail); }
.pill-skipped { background: var(--warnbg); color: var(--warn); } .pill-not-run { background: #f1f5f9; color: var(--muted); }
.checksum { margin-top: 4px; } .checksum code { font-size: 11px; word-break: break-all; }
.diagram { display: flex; gap: 28px; align-items: flex-start; flex-wrap: wrap; }
.flow { display: flex; flex-direction: column; align-items: center; min-width: 220px; }
.finally-flow { border: 2px dashed #cbd5e1; border-radius: 10px; padding: 10px 14px; }
.finally-label, .parallel-label, .branch-label { font-size: 12px; color: var(--muted); margin-bottom: 6px; text-align: center; }
.node { border: 2px solid #cbd5e1; border-radius: 8px; background: #fff; padding: 6px 12px; min-width: 190px; text-align: center; color: var(--muted); position: relative; }
.node .node-action, .node .node-state { font-size: 12px; }
.node.taken { color: #0f172a; }
.node.status-succeeded { border-color: var(--ok); background: var(--okbg); }
.node.status-failed { border-color: var(--fail); background: var(--failbg); }
.node.status-skipped { border-color: #f59e0b; background: var(--warnbg); }
.node.status-condition-skipped { border-style: dashed; }
.node.status-running { border-color: #f59e0b; background: #ffedd5; }
.node.stopped { outline: 4px solid var(--fail); outline-offset: 3px; box-shadow: 0 0 0 9px rgba(220,38,38,.15); }
.stop-marker { color: #fff; background: var(--fail); font-weight: 700; font-size: 12px; border-radius: 4px; margin-top: 4px; padding: 1px 6px; }
.terminal { border-radius: 999px; padding: 2px 14px; border: 2px solid #cbd5e1; color: var(--muted); font-size: 12px; }
.terminal.taken { border-color: var(--accent); color: var(--accent); font-weight: 600; }
.arrow { width: 2px; height: 22px; background: #cbd5e1; position: relative; margin-bottom: 6px; }
.arrow::after { content: ""; position: absolute; bottom: -6px; left: -5px; border: 6px solid transparent; border-top-color: #cbd5e1; border-bottom: 0; }
.arrow.taken { background: var(--accent); width: 3px; } .arrow.taken::after { border-top-color: var(--accent); }
.parallel { border: 2px solid #cbd5e1; border-radius: 10px; padding: 8px; }
.parallel.taken { border-color: var(--accent); }
.branches { display: flex; gap: 16px; align-items: flex-start; }
.branch { display: flex; flex-direction: column; align-items: center; }
.legend { flex-basis: 100%; font-size: 12px; }
.node-chip { display: inline-block; border: 2px solid #cbd5e1; border-radius: 6px; padding: 0 6px; margin-right: 4px; }
.node-chip.status-succeeded { border-color: var(--ok); background: var(--okbg); }
.node-chip.status-failed { border-color: var(--fail); background: var(--failbg); }
.node-chip.status-skipped { border-color: #f59e0b; background: var(--warnbg); }
.node-chip.status-condition-skipped { border-style: dashed; }
.node-chip.stopped { outline: 3px solid var(--fail); }
svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
svg.chart .axis { font: 11px ui-monospace, monospace; fill: var(--muted); }
svg.chart .label { font: 11px system-ui, sans-serif; fill: #0f172a; } svg.chart .label.fail { fill: var(--fail); font-weight: 700; }
.chart-figure { margin: 8px 0 16px; } .chart-caption { font-size: 12px; color: var(--muted); margin: 4px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: middle; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
`;

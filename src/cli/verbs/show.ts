import { actions } from '../../actions/index.js';
import { resolveProcedure, type ProcedureOrigin } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import type { Procedure, Step } from '../../procedure/types.js';
import type { JsonValue } from '../../json.js';
import { redactJson } from '../../postgres/redact.js';
import { redactUrl } from '../../postgres/url.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { projectSettings } from '../project-settings.js';

function describeSteps(steps: Step[], indent: string, out: string[]): void {
  for (const s of steps) {
    if (s.kind === 'action') {
      out.push(
        `${indent}${s.id}  ${s.do}${s.description ? `  — ${s.description}` : ''}${s.on_error ? `  (on error → ${s.on_error})` : ''}`,
      );
    } else {
      out.push(`${indent}${s.id}  parallel`);
      for (const b of s.branches) {
        out.push(`${indent}  ${b.id}:`);
        describeSteps(b.steps, indent + '    ', out);
      }
    }
  }
}

/** The text form of `show`: name, file and origin, requirements, params, steps, checklist. */
function describeProcedure(
  p: Procedure,
  origin: ProcedureOrigin,
  configured: Readonly<Record<string, JsonValue>>,
): string {
  const requires = Object.entries(p.requires)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const out: string[] = [
    `${p.name}${p.description ? ` — ${p.description}` : ''}`,
    `file      ${p.source.file}  (${origin})`,
    `requires  ${requires || '(nothing declared)'}`,
    'params',
  ];
  for (const [k, spec] of Object.entries(p.params)) {
    const value = Object.hasOwn(configured, k)
      ? ` = ${JSON.stringify(configured[k])} (from the config)`
      : spec.default !== undefined
        ? ` = ${JSON.stringify(spec.default)}`
        : ' (required)';
    out.push(
      `  ${k}: ${spec.type}${value}${spec.secret ? ' (secret)' : ''}${spec.description ? `  — ${spec.description}` : ''}`,
    );
  }
  out.push('steps');
  describeSteps(p.steps, '  ', out);
  if (p.finally.length) {
    out.push('finally');
    describeSteps(p.finally, '  ', out);
  }
  if (p.checklist.length) {
    out.push('checklist');
    for (const c of p.checklist) out.push(`  - ${c.item}  (step ${c.step})`);
  }
  return out.join('\n');
}

/**
 * `runbook show <procedure>`: where it came from (the project or the built-in ones), params
 * (with the config's defaults), requirements and steps; `--json` gives the same as data.
 */
export async function run(
  [name]: string[],
  o: { procedures?: string; json?: boolean },
): Promise<number> {
  const { settings, config } = await projectSettings(o, { procedures: true });
  const found = await resolveProcedure(name!, settings.procedures);
  const loaded = await loadProcedure(found.file, { actions });
  const configured = config.params[loaded.name] ?? {};
  // A secret param's default is masked like its value would be; URL and SQL passwords too.
  const p: Procedure = {
    ...loaded,
    params: Object.fromEntries(
      Object.entries(loaded.params).map(([k, spec]) => [
        k,
        spec.secret && spec.default !== undefined ? { ...spec, default: '***' } : spec,
      ]),
    ),
  };
  if (!o.json) {
    process.stdout.write(
      terminalSafe(redactUrl(describeProcedure(p, found.origin, configured))) + '\n',
    );
    return 0;
  }
  const shown = {
    name: p.name,
    description: p.description,
    file: p.source.file,
    origin: found.origin,
    ...(config.file && Object.keys(configured).length
      ? { configured: { file: config.file, params: configured } }
      : {}),
    requires: p.requires,
    params: p.params,
    steps: p.steps,
    finally: p.finally,
    checklist: p.checklist,
  };
  process.stdout.write(JSON.stringify(redactJson(shown as unknown as JsonValue), null, 2) + '\n');
  return 0;
}

import { actions } from '../../actions/index.js';
import { DEFAULT_PROCEDURES_DIR, findProcedureFile } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import type { Step } from '../../procedure/types.js';
import { REDACTED, redactUrl } from '../../postgres/redact.js';
import { terminalSafe } from '../../text/terminal-text.js';

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

/** `runbook show <procedure>`: params, requirements and steps. */
export async function showProcedure(
  name: string,
  flags: { procedures?: string; json?: boolean },
): Promise<number> {
  const loaded = await loadProcedure(
    await findProcedureFile(name, flags.procedures ?? DEFAULT_PROCEDURES_DIR),
    { actions },
  );
  // A secret param's default is masked like its value would be; URL and SQL passwords too.
  const p = {
    ...loaded,
    params: Object.fromEntries(
      Object.entries(loaded.params).map(([k, spec]) => [
        k,
        spec.secret && spec.default !== undefined ? { ...spec, default: REDACTED } : spec,
      ]),
    ),
  };
  if (flags.json) {
    process.stdout.write(
      redactUrl(
        JSON.stringify(
          {
            name: p.name,
            description: p.description,
            file: p.source.file,
            requires: p.requires,
            params: p.params,
            steps: p.steps,
            finally: p.finally,
            checklist: p.checklist,
          },
          null,
          2,
        ),
      ) + '\n',
    );
    return 0;
  }
  const out: string[] = [
    `${p.name}${p.description ? ` — ${p.description}` : ''}`,
    `file      ${p.source.file}`,
  ];
  out.push(
    `requires  ${
      Object.entries(p.requires)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ') || '(nothing declared)'
    }`,
  );
  out.push('params');
  for (const [k, spec] of Object.entries(p.params)) {
    out.push(
      `  ${k}: ${spec.type}${spec.default !== undefined ? ` = ${JSON.stringify(spec.default)}` : ' (required)'}${spec.secret ? ' (secret)' : ''}${spec.description ? `  — ${spec.description}` : ''}`,
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
  process.stdout.write(terminalSafe(redactUrl(out.join('\n'))) + '\n');
  return 0;
}

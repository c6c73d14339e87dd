import type { PlannedStep } from '../../engine/plan-procedure.js';

/**
 * The SQL of a dry run (`run --dry-run --sql`) as one script on stdout: per migration a
 * `-- step <id>: <revision> (<file>)` line, then what it would send.
 */
export function plannedSqlText(plan: readonly PlannedStep[]): string {
  const out: string[] = [];
  for (const step of plan) {
    for (const e of step.sql ?? [])
      out.push(`-- step ${step.step}: ${e.revision} (${e.file})`, e.sql, '');
  }
  return out.length > 0 ? out.join('\n') : '-- no migration would run\n';
}

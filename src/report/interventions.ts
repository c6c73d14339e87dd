import type { EventLogEntry } from '../runs/event-hash.js';
import { flag, num, obj, str, strings } from './json-fields.js';
import type { Intervention } from './timeline-types.js';

/**
 * Every operator intervention in a run's log, in order, with when and by whom (`$USER@host` as
 * recorded): each resume (and whether it retried or skipped), each step marked done by hand,
 * each changed migration file accepted (with the old and new checksum), each changed procedure
 * file accepted (old and new hash), each stale lock taken over, each lock broken with
 * `--break-lock`; a resume carries the operator's `--note`. Pure.
 */
export function interventionOf(entries: readonly EventLogEntry[]): Intervention[] {
  const out: Intervention[] = [];
  let by = 'unknown';
  entries.forEach((e, i) => {
    const d = obj(e.data);
    if (e.type === 'run.started') by = str(d, 'by') ?? by;
    else if (e.type === 'run.resumed') {
      by = str(d, 'by') ?? by;
      const attempt = num(d, 'attempt');
      const failed = strings(d, 'failed_steps');
      const skip = str(d, 'skip');
      const note = str(d, 'note');
      const flags = [
        flag(d, 'allow_changed') ? '--allow-changed' : null,
        flag(d, 'allow_procedure_change') ? '--allow-procedure-change' : null,
      ].filter((f): f is string => f !== null);
      out.push({
        time: e.time,
        by,
        kind: 'resume',
        step: null,
        detail:
          `resumed the run (attempt ${attempt ?? '?'})` +
          (failed.length > 0 ? ` after it stopped at ${failed.join(', ')}` : '') +
          (flags.length > 0 ? ` with ${flags.join(' ')}` : '') +
          (note ? `; note: ${note}` : ''),
        checksums: [],
      });
      if (!skip && flag(d, 'retry') && failed.length > 0) {
        for (const step of failed)
          out.push({
            time: e.time,
            by,
            kind: 'retry',
            step,
            detail: `retried ${step}`,
            checksums: [],
          });
      }
    } else if (e.type === 'step.skipped' && e.step) {
      out.push({
        time: e.time,
        by: str(d, 'by') ?? by,
        kind: 'skip',
        step: e.step,
        detail: `marked ${e.step} done by hand${str(d, 'reason') ? ` (${str(d, 'reason')})` : ''}`,
        checksums: [],
      });
    } else if (e.type === 'migration.changed' && flag(d, 'accepted')) {
      const revision = str(d, 'revision') ?? '?';
      const applied = flag(d, 'applied');
      out.push({
        time: e.time,
        by,
        kind: 'allow-changed',
        step: e.step,
        detail: applied
          ? `accepted the changed file of applied migration ${revision} (--allow-changed)`
          : `migration ${revision} changed before it was applied (allowed, logged)`,
        checksums: [
          {
            subject: str(d, 'file') ?? revision,
            old: str(d, 'old_checksum') ?? '?',
            new: str(d, 'new_checksum') ?? '?',
          },
        ],
      });
    } else if (e.type === 'procedure.changed') {
      out.push({
        time: e.time,
        by: str(d, 'by') ?? by,
        kind: 'procedure-changed',
        step: null,
        detail:
          'accepted a procedure file changed since the run started (--allow-procedure-change)',
        checksums: [
          { subject: 'procedure', old: str(d, 'old_hash') ?? '?', new: str(d, 'new_hash') ?? '?' },
        ],
      });
    } else if (e.type === 'lock.recovered') {
      // Logged just before the run.resumed line of the process that took the lock over.
      const next = entries.slice(i + 1).find((n) => n.type === 'run.resumed');
      out.push({
        time: e.time,
        by: (next && str(obj(next.data), 'by')) ?? by,
        kind: 'lock-recovered',
        step: null,
        detail: `took over the run lock left by dead process ${num(d, 'pid') ?? '?'}${str(d, 'since') ? ` (held since ${str(d, 'since')})` : ''}`,
        checksums: [],
      });
    } else if (e.type === 'lock.broken') {
      const holder = obj(d.holder ?? null);
      out.push({
        time: e.time,
        by: str(d, 'by') ?? by,
        kind: 'lock-broken',
        step: null,
        detail: `broke the run lock held by pid ${num(holder, 'pid') ?? '?'} on ${str(holder, 'host') ?? '?'}${str(holder, 'since') ? ` (held since ${str(holder, 'since')})` : ''} (--break-lock)`,
        checksums: [],
      });
    }
  });
  return out;
}

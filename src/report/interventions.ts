import type { JsonObject } from '../json.js';
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
  entries.forEach((entry, i) => {
    const data = obj(entry.data);
    if (entry.type === 'run.started' || entry.type === 'run.resumed') by = str(data, 'by') ?? by;
    if (entry.type === 'run.resumed') out.push(...resumed(entry, data, by));
    else if (entry.type === 'lock.recovered') {
      // Logged just before the run.resumed line of the process that took the lock over.
      const next = entries.slice(i + 1).find((n) => n.type === 'run.resumed');
      out.push({
        time: entry.time,
        by: (next && str(obj(next.data), 'by')) ?? by,
        kind: 'lock-recovered',
        step: null,
        detail: `took over the run lock left by dead process ${num(data, 'pid') ?? '?'}${str(data, 'since') ? ` (held since ${str(data, 'since')})` : ''}`,
        checksums: [],
      });
    } else {
      const one = intervention(entry, data, by);
      if (one) out.push(one);
    }
  });
  return out;
}

/** A resume, and the retry of each failed step it retried. */
function resumed(entry: EventLogEntry, data: JsonObject, by: string): Intervention[] {
  const attempt = num(data, 'attempt');
  const failed = strings(data, 'failed_steps');
  const skip = str(data, 'skip');
  const note = str(data, 'note');
  const flags = [
    flag(data, 'allow_changed') ? '--allow-changed' : null,
    flag(data, 'allow_procedure_change') ? '--allow-procedure-change' : null,
  ].filter((f): f is string => f !== null);
  const out: Intervention[] = [
    {
      time: entry.time,
      by,
      kind: 'resume',
      step: null,
      detail:
        `resumed the run (attempt ${attempt ?? '?'})` +
        (failed.length > 0 ? ` after it stopped at ${failed.join(', ')}` : '') +
        (flags.length > 0 ? ` with ${flags.join(' ')}` : '') +
        (note ? `; note: ${note}` : ''),
      checksums: [],
    },
  ];
  if (!skip && flag(data, 'retry') && failed.length > 0) {
    for (const step of failed)
      out.push({
        time: entry.time,
        by,
        kind: 'retry',
        step,
        detail: `retried ${step}`,
        checksums: [],
      });
  }
  return out;
}

/** The intervention one line records (a skip, an accepted change, a broken lock), if any. */
function intervention(entry: EventLogEntry, data: JsonObject, by: string): Intervention | null {
  const time = entry.time;
  if (entry.type === 'step.skipped' && entry.step) {
    return {
      time,
      by: str(data, 'by') ?? by,
      kind: 'skip',
      step: entry.step,
      detail: `marked ${entry.step} done by hand${str(data, 'reason') ? ` (${str(data, 'reason')})` : ''}`,
      checksums: [],
    };
  }
  if (entry.type === 'migration.changed' && flag(data, 'accepted')) {
    const revision = str(data, 'revision') ?? '?';
    return {
      time,
      by,
      kind: 'allow-changed',
      step: entry.step,
      detail: flag(data, 'applied')
        ? `accepted the changed file of applied migration ${revision} (--allow-changed)`
        : `migration ${revision} changed before it was applied (allowed, logged)`,
      checksums: [
        {
          subject: str(data, 'file') ?? revision,
          old: str(data, 'old_checksum') ?? '?',
          new: str(data, 'new_checksum') ?? '?',
        },
      ],
    };
  }
  if (entry.type === 'procedure.changed') {
    return {
      time,
      by: str(data, 'by') ?? by,
      kind: 'procedure-changed',
      step: null,
      detail: 'accepted a procedure file changed since the run started (--allow-procedure-change)',
      checksums: [
        {
          subject: 'procedure',
          old: str(data, 'old_hash') ?? '?',
          new: str(data, 'new_hash') ?? '?',
        },
      ],
    };
  }
  if (entry.type === 'lock.broken') {
    const holder = obj(data.holder ?? null);
    return {
      time,
      by: str(data, 'by') ?? by,
      kind: 'lock-broken',
      step: null,
      detail: `broke the run lock held by pid ${num(holder, 'pid') ?? '?'} on ${str(holder, 'host') ?? '?'}${str(holder, 'since') ? ` (held since ${str(holder, 'since')})` : ''} (--break-lock)`,
      checksums: [],
    };
  }
  return null;
}

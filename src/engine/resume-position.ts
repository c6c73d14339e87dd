import type { JsonObject } from '../json.js';
import type { EventLogEntry } from '../runs/event-hash.js';
import { stateKey } from './drive-run.js';

/** Where a run's log left off, as a resume needs it to continue without repeating anything. */
export interface ResumePosition {
  /** `step.started` lines per step so far (the next attempt numbers continue from them). */
  attempts: Record<string, number>;
  /** The last state value the log holds (a resume does not log it again). */
  lastLoggedValue?: string;
  /**
   * Outcomes in the log of steps the checkpoint shows in flight: they finished before the process
   * died, so they are delivered to the machine instead of running a second time.
   */
  recordedOutcomes: Map<string, EventLogEntry>;
}

/** Reads a verified log's {@link ResumePosition}; `running` are the steps the checkpoint has in flight. */
export function resumePosition(
  entries: readonly EventLogEntry[],
  running: readonly string[],
): ResumePosition {
  const attempts: Record<string, number> = {};
  let lastLoggedValue: string | undefined;
  const settledInLog = new Map<string, EventLogEntry>();
  for (const entry of entries) {
    if (entry.type === 'step.started' && entry.step) {
      attempts[entry.step] = (attempts[entry.step] ?? 0) + 1;
      settledInLog.delete(entry.step);
    }
    if ((entry.type === 'step.succeeded' || entry.type === 'step.failed') && entry.step)
      settledInLog.set(entry.step, entry);
    if (entry.type === 'transition') lastLoggedValue = stateKey((entry.data as JsonObject).value);
  }
  const recordedOutcomes = new Map([...settledInLog].filter(([step]) => running.includes(step)));
  return { attempts, ...(lastLoggedValue ? { lastLoggedValue } : {}), recordedOutcomes };
}

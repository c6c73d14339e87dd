import { TamperedLogError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import { describeTarget } from '../postgres/target.js';
import { canonicalJson, type EventLogEntry } from '../runs/event-hash.js';
import type { StoredDocument, StoredRun } from '../runs/run-store.js';
import type { ReplayedRun } from './replay-types.js';

/** What a run's verified log says about it: the source of truth run.json and the snapshot cache. */
export interface LogFacts {
  /** 1-based line of `run.started`. */
  startedLine: number;
  procedure: string;
  procedureFile: string;
  /** The procedure's hash now: run.started's, or the last `procedure.changed` one. */
  procedureHash: string;
  /**
   * The hash before the last `procedure.changed` line while no end line (run.stopped or
   * run.succeeded) follows it: a resume that died before rewriting run.json leaves that one there.
   */
  previousHash: string | null;
  /** The run's params as recorded (secret ones redacted). */
  params: JsonObject;
  /** The redacted target URL. */
  target: string;
  /** How many times the run was driven per the log (1 + its `run.resumed` lines). */
  attempts: number;
  /** The last `run.*` line (started, resumed, stopped or succeeded). */
  lastRunEvent: EventLogEntry;
  /** Where the log leaves the run: finished, stopped on failures, or interrupted (no end line). */
  status: 'succeeded' | 'failed' | 'interrupted';
}

/** Reads the {@link LogFacts} of a verified log; a log with no `run.started` line is tampered. */
export function logFacts(entries: readonly EventLogEntry[]): LogFacts {
  const index = entries.findIndex((e) => e.type === 'run.started');
  const started = entries[index];
  if (!started) {
    throw new TamperedLogError(
      entries.length + 1,
      entries.length === 0
        ? 'the event log is empty: a run always starts with its run.started line'
        : 'no run.started line',
    );
  }
  const data = started.data as JsonObject;
  let procedureHash = String(data.procedure_hash);
  let previousHash: string | null = null;
  let lastRunEvent = started;
  let resumes = 0;
  for (const e of entries) {
    if (e.type === 'procedure.changed') {
      previousHash = procedureHash;
      procedureHash = String((e.data as JsonObject).new_hash);
    }
    if (e.type === 'run.stopped' || e.type === 'run.succeeded') previousHash = null;
    if (e.type === 'run.resumed') resumes++;
    if (e.type.startsWith('run.')) lastRunEvent = e;
  }
  return {
    startedLine: index + 1,
    procedure: String(data.procedure),
    procedureFile: String(data.procedure_file),
    procedureHash,
    previousHash,
    params: (data.params ?? {}) as JsonObject,
    target: String(data.target),
    attempts: resumes + 1,
    lastRunEvent,
    status:
      lastRunEvent.type === 'run.succeeded'
        ? 'succeeded'
        : lastRunEvent.type === 'run.stopped'
          ? 'failed'
          : 'interrupted',
  };
}

/** The parts of run.json checked against the log. */
export interface RecordedRun {
  procedure?: unknown;
  procedureFile?: unknown;
  procedureHash?: unknown;
  params?: unknown;
  target?: { host?: unknown; port?: unknown; database?: unknown };
  status?: unknown;
  attempts?: unknown;
}

/**
 * Checks run.json against its verified log: procedure, procedure file and hash, params and target
 * must be the ones the log records, and its status and attempts must be what the log's end says
 * (a log cut at a line boundary keeps an intact chain; run.json is written only after the log
 * line it reflects). Throws {@link TamperedLogError} (exit 4) saying what disagrees.
 */
export function checkRecordAgainstLog(
  record: RecordedRun,
  facts: LogFacts,
  entries: readonly EventLogEntry[],
): void {
  const disagree = (what: string, inRecord: unknown, inLog: unknown): never => {
    throw new TamperedLogError(
      entries.length + 1,
      `run.json disagrees with the log: ${what} is ${JSON.stringify(inRecord)} in run.json but ${JSON.stringify(inLog)} in the log`,
    );
  };
  if (record.procedure !== facts.procedure)
    disagree('procedure', record.procedure, facts.procedure);
  if (record.procedureFile !== facts.procedureFile)
    disagree('procedureFile', record.procedureFile, facts.procedureFile);
  if (record.procedureHash !== facts.procedureHash && record.procedureHash !== facts.previousHash)
    disagree('procedureHash', record.procedureHash, facts.procedureHash);
  const params = (record.params ?? {}) as JsonObject;
  for (const key of new Set([...Object.keys(params), ...Object.keys(facts.params)])) {
    const a = params[key];
    const b = facts.params[key];
    if (canonicalJson((a ?? null) as JsonValue) !== canonicalJson((b ?? null) as JsonValue))
      disagree(`params.${key}`, a ?? null, b ?? null);
  }
  let target: ReturnType<typeof describeTarget> | undefined;
  try {
    target = describeTarget(facts.target);
  } catch {
    target = undefined;
  }
  if (target) {
    for (const k of ['host', 'port', 'database'] as const) {
      if (record.target?.[k] !== target[k]) disagree(`target.${k}`, record.target?.[k], target[k]);
    }
  }
  checkRecordEnd(record, facts, entries);
}

/** run.json's status and attempts against the log's end (see {@link checkRecordAgainstLog}). */
function checkRecordEnd(
  record: RecordedRun,
  facts: LogFacts,
  entries: readonly EventLogEntry[],
): void {
  const missing = entries.length + 1;
  // A resume that died between logging run.resumed and rewriting run.json counts one attempt less.
  const resumeDied =
    facts.lastRunEvent.type === 'run.resumed' && record.attempts === facts.attempts - 1;
  if (typeof record.attempts === 'number' && record.attempts !== facts.attempts && !resumeDied) {
    throw new TamperedLogError(
      missing,
      record.attempts > facts.attempts
        ? `missing: run.json counts ${record.attempts} attempts but the log records ${facts.attempts} (lines were removed from its end)`
        : `run.json counts ${record.attempts} attempts but the log records ${facts.attempts}`,
    );
  }
  const want =
    record.status === 'succeeded' || record.status === 'incomplete'
      ? 'run.succeeded'
      : record.status === 'failed'
        ? 'run.stopped'
        : undefined;
  if (want && facts.lastRunEvent.type !== want && !(want === 'run.stopped' && resumeDied)) {
    throw new TamperedLogError(
      missing,
      `missing: run.json says the run ${String(record.status)} but the log ends at line ${entries.length} without ${want} (lines were removed from its end)`,
    );
  }
}

/** The parts of a persisted XState snapshot compared with the replay. */
interface PersistedState {
  value?: JsonValue;
  status?: string;
  context?: JsonValue;
}

/**
 * Checks a checkpoint (snapshot.json's persisted XState snapshot) against the state the verified
 * log replays to: it must be one the machine went through since the last state value the log
 * recorded (a checkpoint is written just before its `transition` line, and a step's outcome line
 * just before the checkpoint that follows it), with the same status and context. With no
 * checkpoint, the log must not record a step having started. Throws {@link TamperedLogError}.
 */
export function checkSnapshotAgainstLog(
  snapshot: { procedureHash: string; snapshot: JsonValue } | undefined,
  facts: LogFacts,
  replayed: ReplayedRun,
  entries: readonly EventLogEntry[],
): void {
  const end = entries.length + 1;
  if (!snapshot) {
    const started = entries.findIndex((e) => e.type === 'step.started');
    if (started >= 0) {
      throw new TamperedLogError(
        started + 1,
        'snapshot.json is missing although the log records steps that ran',
      );
    }
    return;
  }
  if (
    snapshot.procedureHash !== facts.procedureHash &&
    snapshot.procedureHash !== facts.previousHash
  ) {
    throw new TamperedLogError(
      end,
      `snapshot.json was written for procedure ${snapshot.procedureHash.slice(0, 12)}, the log's is ${facts.procedureHash.slice(0, 12)}`,
    );
  }
  const saved = (snapshot.snapshot ?? {}) as PersistedState;
  const key = (s: PersistedState): string =>
    canonicalJson({
      value: s.value ?? null,
      status: s.status ?? null,
      context: (JSON.parse(JSON.stringify(s.context ?? null)) ?? null) as JsonValue,
    });
  const want = key(saved);
  const candidates = replayed.history.slice(replayed.lastLogged);
  if (!candidates.some((h) => key(h.persisted as PersistedState) === want)) {
    const last = replayed.history[replayed.history.length - 1]?.value ?? 'null';
    throw new TamperedLogError(
      end,
      `snapshot.json disagrees with the log: it holds ${JSON.stringify(saved.value ?? null)} (${String(saved.status)}), the log replays to ${last}`,
    );
  }
}

/**
 * For `replay`: checks run.json and snapshot.json of a stored run against its verified,
 * replayed log. A file that is absent (a log replayed on its own) is not checked.
 */
export async function checkRunFilesAgree(
  run: StoredRun,
  entries: readonly EventLogEntry[],
  replayed: ReplayedRun,
): Promise<void> {
  const facts = logFacts(entries);
  const read = async (document: StoredDocument, name: string): Promise<unknown> => {
    const text = await run.store.readStoredText(run.id, document);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TamperedLogError(entries.length + 1, `${name} is not valid JSON`);
    }
  };
  const record = (await read('record', 'run.json')) as RecordedRun | undefined;
  if (record) checkRecordAgainstLog(record, facts, entries);
  const snapshot = (await read('snapshot', 'snapshot.json')) as
    { procedureHash: string; snapshot: JsonValue } | undefined;
  if (snapshot || record) checkSnapshotAgainstLog(snapshot, facts, replayed, entries);
}

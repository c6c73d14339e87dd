import * as z from 'zod';
import { InvalidInputError } from '../errors.js';
import type { StepFailureRecord } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';

/**
 * Lifecycle of a run as recorded in `run.json`. `incomplete`: the procedure reached its end but a
 * checklist item is not PASS (e.g. a step marked done by hand).
 */
export type RunStatus = 'running' | 'succeeded' | 'incomplete' | 'failed' | 'stopped' | 'refused';

/** Where a run points, without the password (docs/design.md "Run directory": targets are recorded redacted). */
export interface RunTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * `runs/<run-id>/run.json`, format 1. `params` arrive already redacted; `target` never holds a
 * password. Timestamps are ISO-8601 UTC strings.
 */
export interface RunRecord {
  format: 1;
  id: string;
  procedure: string;
  /** The procedure file the run was started from (as given / resolved by the caller). */
  procedureFile: string;
  /** Content hash of the procedure file; resume refuses a changed one unless told. */
  procedureHash: string;
  params: JsonObject;
  target: RunTarget;
  status: RunStatus;
  /** The step the run is in (or stopped at). */
  currentStep?: string;
  /** Why it failed, while status is `failed` (or the last failure, as the engine decides). */
  failure?: StepFailureRecord;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Whether the run used the embedded server or a server given by URL (resume needs it again). */
  server?: 'embedded' | 'url';
  /** How many times the run was driven (1 for the first `run`, +1 per `resume`). */
  attempts: number;
  /** The xstate package version the snapshot was written with. */
  xstateVersion: string;
}

/** `runs/<run-id>/snapshot.json`, format 1: the persisted XState snapshot and step progress. */
export interface SnapshotFile {
  format: 1;
  procedureHash: string;
  xstateVersion: string;
  savedAt: string;
  /** `actor.getPersistedSnapshot()`, stored verbatim. */
  snapshot: JsonValue;
  /** Per-step progress (e.g. the migrations applied so far), keyed by step id. */
  progress: { [stepId: string]: JsonValue };
}

const json: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);

const stepFailureSchema = z.looseObject({
  step: z.string(),
  code: z.string(),
  message: z.string(),
  at: z.string(),
});

/** Shape check for `run.json` (extra keys tolerated for forward compatibility). */
export const runRecordSchema = z.looseObject({
  format: z.literal(1),
  id: z.string().min(1),
  procedure: z.string().min(1),
  procedureFile: z.string(),
  procedureHash: z.string(),
  params: z.record(z.string(), json),
  target: z.object({
    host: z.string(),
    port: z.number(),
    database: z.string(),
    user: z.string(),
  }),
  status: z.enum(['running', 'succeeded', 'incomplete', 'failed', 'stopped', 'refused']),
  currentStep: z.string().optional(),
  failure: stepFailureSchema.optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  xstateVersion: z.string(),
});

/** Shape check for `snapshot.json`. */
export const snapshotFileSchema = z.looseObject({
  format: z.literal(1),
  procedureHash: z.string(),
  xstateVersion: z.string(),
  savedAt: z.string(),
  snapshot: json,
  progress: z.record(z.string(), json),
});

/** Renders the first zod issue as `path: message` for an error naming the bad key. */
export function describeSchemaIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError([{ message: `${where} is not valid JSON` }], { cause: err });
  }
}

/**
 * Parses a stored run record (`where` names it in errors), which must belong to run `expectedId`;
 * InvalidInputError naming the bad key otherwise.
 */
export function parseRunRecord(text: string, where: string, expectedId: string): RunRecord {
  const parsed = runRecordSchema.safeParse(parseJson(text, where));
  if (!parsed.success) {
    throw new InvalidInputError([
      { message: `${where} is not a run record: ${describeSchemaIssue(parsed.error)}` },
    ]);
  }
  if (parsed.data.id !== expectedId) {
    throw new InvalidInputError([
      { message: `${where} records id '${parsed.data.id}' but lives in run '${expectedId}'` },
    ]);
  }
  return parsed.data as RunRecord;
}

/** Parses a stored checkpoint (`where` names it in errors); InvalidInputError naming the bad key. */
export function parseSnapshotFile(text: string, where: string): SnapshotFile {
  const parsed = snapshotFileSchema.safeParse(parseJson(text, where));
  if (!parsed.success) {
    throw new InvalidInputError([
      { message: `${where} is not a snapshot: ${describeSchemaIssue(parsed.error)}` },
    ]);
  }
  return parsed.data as SnapshotFile;
}

/** A run record or checkpoint as stored: indented JSON and a final newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

import { InvalidInputError } from '../errors.js';
import {
  describeSchemaIssue,
  runRecordSchema,
  snapshotFileSchema,
  type RunRecord,
  type SnapshotFile,
} from './run-record.js';

/**
 * The text forms of a run's record and checkpoint, shared by every store so a run copied between
 * stores keeps the same bytes (docs/design.md "Run directory").
 */

/** A record or checkpoint as stored: pretty-printed JSON with a final newline. */
export function documentText(value: RunRecord | SnapshotFile): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError([{ message: `${where} is not valid JSON` }], { cause: err });
  }
}

/**
 * Parses a stored run record; InvalidInputError (naming `where`) when it is not JSON, not a run
 * record, or records an id other than `expectedId`.
 */
export function parseRecordText(text: string, where: string, expectedId: string): RunRecord {
  const parsed = runRecordSchema.safeParse(parseJson(text, where));
  if (!parsed.success) {
    throw new InvalidInputError([
      { message: `${where} is not a run record: ${describeSchemaIssue(parsed.error)}` },
    ]);
  }
  if (parsed.data.id !== expectedId) {
    throw new InvalidInputError([
      { message: `${where} records id '${parsed.data.id}' but belongs to run '${expectedId}'` },
    ]);
  }
  return parsed.data as RunRecord;
}

/** Parses a stored checkpoint; InvalidInputError (naming `where`) when it is not one. */
export function parseSnapshotText(text: string, where: string): SnapshotFile {
  const parsed = snapshotFileSchema.safeParse(parseJson(text, where));
  if (!parsed.success) {
    throw new InvalidInputError([
      { message: `${where} is not a snapshot: ${describeSchemaIssue(parsed.error)}` },
    ]);
  }
  return parsed.data as SnapshotFile;
}

/**
 * The artifact a procedure source is saved as: `procedure.yaml` for the one the run started with,
 * `procedure-<first 12 characters of hash>.yaml` for one a resume changed it to.
 */
export function procedureArtifactName(hash?: string): string {
  return hash === undefined ? 'procedure.yaml' : `procedure-${hash.slice(0, 12)}.yaml`;
}

/** Refuses (InvalidInputError) an artifact name with an empty, `.` or `..` segment. */
export function checkArtifactName(name: string): string[] {
  const segments = name.split(/[\\/]/);
  if (name === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidInputError([{ message: `'${name}' is not a valid artifact name` }]);
  }
  return segments;
}

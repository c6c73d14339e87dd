import { parseProcedure } from '../procedure/load-procedure.js';
import type { Procedure } from '../procedure/types.js';
import { artifactRef, procedureArtifact } from '../runs/artifact-names.js';
import type { StoredRun } from '../runs/run-store.js';
import { replayActions } from './replay-actions.js';

/** Which saved source {@link loadSavedProcedure} reads. */
export interface SavedProcedureChoice {
  /** The source a resume changed the run to (saved under its hash); default: the first one. */
  hash?: string;
  /** The file name its positions are reported against (default: the artifact's name). */
  file?: string;
}

/**
 * Parses a procedure source saved with a run, against the replay registry (the built-in actions,
 * and a stand-in for an action the run's host defined: see {@link replayActions}); undefined when
 * no such source was saved. Throws when the source no longer parses. The caller compares its
 * `source.hash` with the log's before trusting it.
 */
export async function loadSavedProcedure(
  run: StoredRun,
  choice: SavedProcedureChoice = {},
): Promise<Procedure | undefined> {
  const source = await run.store.readProcedureSource(run.id, choice.hash);
  if (source === undefined) return undefined;
  const file = choice.file ?? artifactRef(procedureArtifact(choice.hash));
  return parseProcedure(source, file, replayActions());
}

/**
 * The one reader of a run's saved procedure for `replay`, `report` and `inspect`:
 * {@link loadSavedProcedure}, undefined as well when the source is unreadable or no longer valid.
 */
export async function readSavedProcedure(
  run: StoredRun,
  choice: SavedProcedureChoice = {},
): Promise<Procedure | undefined> {
  try {
    return await loadSavedProcedure(run, choice);
  } catch {
    return undefined;
  }
}

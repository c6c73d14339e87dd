import { InvalidInputError } from '../errors.js';
/*
 * How a run's artifacts are named, the same in every store (names, never paths to open).
 */

/** The folder name artifacts are referred to under (`artifacts/<name>`). */
export const ARTIFACTS_DIR = 'artifacts';

/** The artifact name of a saved procedure source: the run's first, or the one saved under `hash`. */
export function procedureArtifact(hash?: string): string {
  return hash === undefined ? 'procedure.yaml' : `procedure-${hash.slice(0, 12)}.yaml`;
}

/**
 * How messages and log data name an artifact of a run (`artifacts/<name>`), relative to the run:
 * e.g. a long statement's `statementFull.artifact`.
 */
export function artifactRef(name: string): string {
  return `${ARTIFACTS_DIR}/${name}`;
}

/**
 * An artifact's text, read with `find` (undefined when missing): InvalidInputError (exit 2)
 * naming the run and the artifact when it is missing. Every store's `readArtifact`.
 */
export async function requiredArtifact(
  find: (id: string, name: string) => Promise<string | undefined>,
  id: string,
  name: string,
): Promise<string> {
  const text = await find(id, name);
  if (text === undefined) {
    throw new InvalidInputError([{ message: `run ${id} has no artifact '${name}'` }]);
  }
  return text;
}

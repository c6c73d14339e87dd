import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { actions as registry } from '../actions/index.js';
import { parseProcedure } from '../procedure/load-procedure.js';
import type { Procedure } from '../procedure/types.js';

/**
 * Parses the procedure source saved with a run (`artifacts/procedure.yaml`), or undefined when it
 * is missing or no longer valid (e.g. an action since removed). The caller compares its
 * `source.hash` with the log's `procedure_hash` before trusting it.
 */
export async function readSavedProcedure(runDir: string): Promise<Procedure | undefined> {
  try {
    const source = await readFile(path.join(runDir, 'artifacts', 'procedure.yaml'), 'utf8');
    return parseProcedure(source, 'artifacts/procedure.yaml', registry);
  } catch {
    return undefined;
  }
}

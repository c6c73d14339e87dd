import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import type { Procedure } from '../procedure/types.js';

/**
 * The text of a loaded procedure's file: what a run keeps with it, and what its passwords are
 * looked for in (`passwordLiteralProblems`). Refused ({@link InvalidInputError}, exit 2)
 * when it is not the text that was loaded: it changed, or is gone, since the procedure was read.
 */
export async function readProcedureSource(procedure: Procedure): Promise<string> {
  const { file, hash } = procedure.source;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InvalidInputError(
      [
        {
          message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        },
      ],
      { cause: error },
    );
  }
  if (createHash('sha256').update(bytes).digest('hex') !== hash) {
    throw new InvalidInputError([
      { message: `${file} changed since the procedure was loaded`, hint: 'run it again' },
    ]);
  }
  return bytes.toString('utf8');
}

import { InvalidInputError } from '../errors.js';

/**
 * The run an id or prefix names among `candidates` (the stored ids starting with it): the exact
 * id, else the only candidate; InvalidInputError (exit 2) for none or several, listing them.
 */
export function runIdResolution(idOrPrefix: string, candidates: readonly string[]): string {
  if (candidates.includes(idOrPrefix)) return idOrPrefix;
  const matching = idOrPrefix === '' ? [] : candidates.filter((id) => id.startsWith(idOrPrefix));
  if (matching.length === 1 && matching[0] !== undefined) return matching[0];
  if (matching.length === 0) {
    throw new InvalidInputError([{ message: `no run matches '${idOrPrefix}'` }]);
  }
  const sorted = [...matching].sort();
  throw new InvalidInputError([
    {
      message: `'${idOrPrefix}' matches ${sorted.length} runs: ${sorted.join(', ')}`,
      hint: 'give more of the run id',
    },
  ]);
}

import type { AttributeTable } from './index-definitions.js';
import { readIntegers } from './packed.js';
import type { querySequences } from './query-globals.js';
import type { SequenceInfo } from './snapshot-types.js';

/** A `querySequences` row: `facts` packs cycle, owner relation OID, owner attnum (0 0 if none). */
type SequenceRow = Awaited<ReturnType<typeof querySequences>>[number];

/** Reused to read `facts` without allocating (10,000 sequences on the benchmark). */
const facts: number[] = [];

/** The OID of the relation owning a sequence through a column, 0 when none. */
export function sequenceOwner(row: SequenceRow): number {
  readIntegers(row.facts, facts);
  return facts[1] ?? 0;
}

/** The snapshot's entry for a sequence, its owner named through `relations` and `attributes`. */
export function sequenceInfo(
  row: SequenceRow,
  relations: Map<number, { schema: string; name: string }>,
  attributes: AttributeTable,
): SequenceInfo {
  readIntegers(row.facts, facts);
  const cycle = facts[0] === 1;
  const ownerRelid = facts[1] ?? 0;
  const ownerAttnum = facts[2] ?? 0;
  // start, increment, min, max, cache: int8 text as the server printed it.
  const params = row.params.split(' ');
  const owner = relations.get(ownerRelid);
  return {
    schema: row.schema,
    name: row.name,
    type: row.type,
    start: String(params[0]),
    increment: String(params[1]),
    min: String(params[2]),
    max: String(params[3]),
    cache: String(params[4]),
    cycle,
    owned_by:
      ownerRelid && ownerAttnum
        ? `${owner && `${owner.schema}.${owner.name}`}.${attributes.get(ownerRelid)?.[ownerAttnum]?.name}`
        : null,
  };
}

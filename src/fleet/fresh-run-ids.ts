import type pg from 'pg';
import { createRunId } from '../runs/run-id.js';

/**
 * `count` run ids for a fleet's targets, none already a target's or a run's in the store (read
 * in the fleet's transaction). Four random hex digits per second: a fleet starting many runs at
 * once draws again.
 */
export async function freshRunIds(
  client: pg.PoolClient,
  procedure: string,
  count: number,
): Promise<string[]> {
  const ids = new Set<string>();
  for (;;) {
    while (ids.size < count) ids.add(createRunId(procedure));
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM runbook.runs WHERE id = ANY($1::text[])
       UNION SELECT run_id FROM runbook.fleet_targets WHERE run_id = ANY($1::text[])`,
      [[...ids]],
    );
    if (rows.length === 0) return [...ids];
    for (const r of rows) ids.delete(r.id);
  }
}

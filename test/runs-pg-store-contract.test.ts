import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PgRunStore } from '../src/runs/pg-run-store.js';
import { runLockKey } from '../src/runs/pg-run-lock.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { describeRunStoreContract } from './support/run-store-contract.js';

/*
 * The RunStore contract against PgRunStore: this file's own database; each test starts from no
 * `runbook` schema at all, so every test also creates it through the store's migrations.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('pg_store_contract');
});
afterAll(async () => {
  await db?.drop();
});

describeRunStoreContract('PgRunStore', async () => {
  await db.query('DROP SCHEMA IF EXISTS runbook CASCADE');
  const store = new PgRunStore(db.url);
  /** Sessions holding a lock the way another process would. */
  const holders: pg.Client[] = [];
  return {
    store,
    async corruptRecord(id) {
      await db.query(`UPDATE runbook.runs SET record = '{"form' WHERE id = $1`, [id]);
    },
    async placeLock(id, holder) {
      // A holder whose process is alive elsewhere keeps a session holding the advisory lock; a
      // dead one (on this host) left only its description row behind.
      const alive = holder.host !== os.hostname();
      let backend = 0;
      if (alive) {
        const client = new pg.Client(db.url);
        client.on('error', () => undefined);
        await client.connect();
        holders.push(client);
        const [cls, obj] = runLockKey(id);
        const { rows } = await client.query<{ pid: number }>(
          'SELECT pg_backend_pid() AS pid, pg_advisory_lock($1::int4, $2::int4)',
          [cls, obj],
        );
        backend = rows[0]?.pid ?? 0;
      }
      await db.query(
        `INSERT INTO runbook.run_locks (run_id, pid, host, command, since, backend_pid)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, holder.pid, holder.host, holder.command, holder.since, backend],
      );
    },
    async dispose() {
      await store.close();
      for (const c of holders) await c.end().catch(() => undefined);
    },
  };
});

import { packageFile } from '../package-root.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

/**
 * The `runbook` schema of the PostgreSQL run store, created and upgraded by runbook's own
 * migrations (docs/design.md "PostgreSQL run store"): the numbered files of `sql/run-store/`
 * shipped with the package, recorded in `runbook.store_version`, applied on a store's first use.
 */

/** Where the numbered migrations live: `sql/run-store/` at the package root (from src/ or dist/). */
const migrationsDir = (): string => packageFile('sql', 'run-store');

/** Advisory-lock key ('RB' + 3, 0) serializing schema upgrades across processes. */
const SCHEMA_LOCK: readonly [number, number] = [0x5242_0003, 0];

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** One numbered migration of the store schema. */
export interface StoreMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The store's migrations in version order, read from `dir`. Throws when a file is misnamed or the
 * versions are not 1, 2, 3… without a gap (a packaging mistake, never a user's).
 */
export function storeMigrations(dir: string = migrationsDir()): StoreMigration[] {
  const out = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file, i) => {
      const m = FILE_NAME.exec(file);
      if (!m || Number(m[1]) !== i + 1) {
        throw new Error(`run store migration ${path.join(dir, file)} is not number ${i + 1}`);
      }
      return { version: i + 1, name: m[2] ?? '', sql: readFileSync(path.join(dir, file), 'utf8') };
    });
  if (out.length === 0) throw new Error(`no run store migrations in ${dir}`);
  return out;
}

/** The store schema's version in this database (0 when runbook has never used it). */
export async function storeSchemaVersion(q: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await q.query<{ t: string | null }>(
    `SELECT to_regclass('runbook.store_version')::text AS t`,
  );
  if (!exists.rows[0]?.t) return 0;
  const { rows } = await q.query<{ v: number }>(
    'SELECT coalesce(max(version), 0)::int AS v FROM runbook.store_version',
  );
  return rows[0]?.v ?? 0;
}

/**
 * Brings the store schema of the pool's database up to the newest migration this runbook ships,
 * idempotently: a schema already there costs one query; otherwise the missing migrations run in
 * one transaction under a transaction-level advisory lock, so concurrent first uses wait for each
 * other and the second finds the work done. Refuses a database whose encoding is not UTF8 (event
 * lines are stored as text and must come back byte for byte) and a schema newer than this runbook
 * knows. Returns the version reached.
 */
export async function ensureStoreSchema(pool: pg.Pool): Promise<number> {
  const migrations = storeMigrations();
  const latest = migrations.length;
  const current = await storeSchemaVersion(pool);
  if (current === latest) return latest;
  if (current > latest) throw newerSchema(current, latest);
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [...SCHEMA_LOCK]);
    const { rows } = await client.query<{ encoding: string }>(
      `SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()`,
    );
    const encoding = rows[0]?.encoding ?? 'unknown';
    if (encoding !== 'UTF8') {
      throw new Error(
        `the run store's database has encoding ${encoding}; it must be UTF8 (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)`,
      );
    }
    await client.query('CREATE SCHEMA IF NOT EXISTS runbook');
    await client.query(
      `CREATE TABLE IF NOT EXISTS runbook.store_version (
         version     integer PRIMARY KEY,
         name        text NOT NULL,
         applied_at  timestamptz NOT NULL DEFAULT now())`,
    );
    const now = await storeSchemaVersion(client);
    if (now > latest) throw newerSchema(now, latest);
    for (const m of migrations.slice(now)) {
      await client.query(m.sql);
      await client.query('INSERT INTO runbook.store_version (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
    }
    await client.query('COMMIT');
    return latest;
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(failed);
  }
}

function newerSchema(found: number, known: number): Error {
  return new Error(
    `the run store's schema is at version ${found}, newer than this runbook knows (${known}): upgrade runbook`,
  );
}

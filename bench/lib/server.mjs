// The benchmark's own PostgreSQL: the embedded server from the built library, started in a fresh
// temp directory and stopped at the end, so every measurement of one run hits the same server.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import pg from 'pg';
import { ensureEmbeddedServer, releaseEmbeddedServer } from '../../dist/postgres/embedded.js';
import { quoteIdent } from '../../dist/postgres/quote.js';
import { withDatabase } from '../../dist/postgres/url.js';

/** Repository root (bench/..). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A temp directory readable by the server's user (PostgreSQL runs as `postgres` under root). */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `runbook-bench-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** The environment runs get: the authority the shipped procedures require, nothing inherited. */
export function engineEnv() {
  const env = { ...process.env, DB_AUTHORITY: 'local', DB_ROLE: 'staging', NO_COLOR: '1' };
  delete env.DATABASE_URL;
  delete env.DB_ENV;
  delete env.CONFIRM_PROD_MIGRATIONS;
  return env;
}

/**
 * Starts the embedded server in a new temp dir. The returned handle creates and drops databases
 * and runs queries; `stop()` stops the server and removes the directory.
 */
export async function startServer() {
  const dir = tempDir('pg');
  const server = await ensureEmbeddedServer(dir);
  const created = new Set();
  let counter = 0;
  const handle = {
    url: server.url,
    dir,
    urlFor: (db) => withDatabase(server.url, db),
    async query(sql, values, db) {
      const client = new pg.Client(db ? withDatabase(server.url, db) : server.url);
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    /** A unique database name (not created). */
    name(prefix) {
      counter += 1;
      const name = `bench_${prefix}_${process.pid}_${counter}`;
      created.add(name);
      return name;
    },
    async createDatabase(prefix) {
      const name = handle.name(prefix);
      await handle.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return name;
    },
    async dropDatabase(name) {
      await handle.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      created.delete(name);
    },
    async stop() {
      for (const name of [...created]) await handle.dropDatabase(name).catch(() => undefined);
      await releaseEmbeddedServer(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

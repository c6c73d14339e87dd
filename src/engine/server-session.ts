import { existsSync } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import { ensureEmbeddedServer, releaseEmbeddedServer } from '../postgres/embedded.js';

/** A connection to the server for one run: the URL's server or the embedded one, started on demand. */
export interface ServerSession {
  url: string;
  embedded: boolean;
  release(): Promise<void>;
}

/** The URL a run will use, before anything starts (the embedded server's host is loopback). */
export function plannedUrl(
  databaseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return databaseUrl ?? env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1/postgres';
}

/**
 * Opens the server: the given URL, or starts the embedded server (stopped again by `release`).
 * With `existingOnly` (a dry run, which creates nothing), an embedded server that was never
 * initialised is invalid input (exit 2) instead of being created.
 */
export async function openServer(
  databaseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  embeddedDir: string,
  options: { existingOnly?: boolean } = {},
): Promise<ServerSession> {
  const url = databaseUrl ?? env.DATABASE_URL;
  if (url) return { url, embedded: false, release: async () => undefined };
  if (options.existingOnly && !existsSync(embeddedDir)) {
    throw new InvalidInputError([
      {
        path: '--database-url',
        message: `no database to plan against: --database-url and DATABASE_URL are unset and there is no embedded server in ${embeddedDir}`,
        hint: 'give --database-url, or `runbook db start` for the embedded server (a dry run creates nothing)',
      },
    ]);
  }
  const server = await ensureEmbeddedServer(embeddedDir);
  return { url: server.url, embedded: true, release: () => releaseEmbeddedServer(embeddedDir) };
}

import { describeTarget } from './target.js';

/**
 * libpq variables that would send a child's tools (psql, pg_dump) to a server other than the
 * checked target whatever its PGHOST says: removed from a child's environment.
 */
export const LIBPQ_REDIRECT_VARIABLES = ['PGHOSTADDR', 'PGSERVICE', 'PGSERVICEFILE'] as const;

/** The password node-postgres signs in with from `url` itself: `?password=`, else the userinfo's. */
export function urlSignInPassword(url: string): string | undefined {
  try {
    const u = new URL(url);
    const query = u.searchParams.get('password');
    if (query) return query;
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment a child process (a shell step) gets so that every libpq tool in it reaches the
 * checked target and nothing else: `env` with DATABASE_URL set to `url`, PGHOST/PGPORT/PGDATABASE/
 * PGUSER set to the host, port, database and user node-postgres resolves for `url` (what the
 * authority check verified), PGPASSWORD to the URL's password when it has one, and
 * {@link LIBPQ_REDIRECT_VARIABLES} removed. Inherited values of these variables never survive.
 */
export function targetEnvironment(
  env: Readonly<Record<string, string>>,
  url: string,
): Record<string, string> {
  const target = describeTarget(url);
  const out: Record<string, string> = { ...env };
  for (const k of LIBPQ_REDIRECT_VARIABLES) delete out[k];
  out.DATABASE_URL = url;
  out.PGHOST = target.host;
  out.PGPORT = String(target.port);
  out.PGDATABASE = target.database;
  if (target.user !== '') out.PGUSER = target.user;
  else delete out.PGUSER;
  const password = urlSignInPassword(url);
  if (password !== undefined) out.PGPASSWORD = password;
  return out;
}

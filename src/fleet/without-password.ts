import { containsSecret } from '../postgres/find-passwords.js';
import { parseDatabaseUrl } from '../postgres/url.js';

/**
 * A server URL with its passwords removed (what is stored): the userinfo password, and every query
 * key the project's redaction counts as a password (`password`, `sslpassword`, percent-encoded or
 * not). A driver authenticates with PGPASSWORD or ~/.pgpass instead.
 */
export function withoutPassword(url: string): string {
  const u = parseDatabaseUrl(url);
  u.password = '';
  for (const key of [...new Set(u.searchParams.keys())])
    if (containsSecret(`${key}=x`)) u.searchParams.delete(key);
  return u.toString();
}

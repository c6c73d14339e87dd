/**
 * Host checks of the database authority contract: which hosts a declared authority may live on.
 * Pure: no DNS, no connection. Used by {@link checkAuthority} in ./authority.ts.
 */

/** Host patterns per authority (`{ neon: ['*.neon.tech'] }`); `*` matches any run of characters. */
export type AuthorityHostMap = Readonly<Record<string, readonly string[]>>;

/** Built-in patterns (runbook DB-AUTH-001, "Connection Mapping"); configured entries replace them. */
export const DEFAULT_AUTHORITY_HOSTS: AuthorityHostMap = { neon: ['*.neon.tech'] };

/**
 * Parses `neon=*.neon.tech,other=*.x.com` (a key may repeat to give several patterns). Returns the
 * map, or the text of the first malformed entry. Keys are lower-cased; blanks are ignored.
 */
export function parseAuthorityHosts(
  text: string,
): { ok: true; hosts: Record<string, string[]> } | { ok: false; entry: string } {
  const hosts: Record<string, string[]> = {};
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim().toLowerCase() : '';
    const pattern =
      eq > 0
        ? entry
            .slice(eq + 1)
            .trim()
            .toLowerCase()
        : '';
    if (key === '' || pattern === '') return { ok: false, entry };
    (hosts[key] ??= []).push(pattern);
  }
  return { ok: true, hosts };
}

/** True when `host` matches the glob `pattern` (case-insensitive, `*` = any characters). */
export function hostMatches(host: string, pattern: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * True when `host` is a local target: loopback, a unix socket directory (an absolute path), or a
 * docker service name (a single DNS label: no dots, not an IP address).
 */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK.has(h)) return true;
  if (h.startsWith('/')) return true;
  // A single label: letters, digits, `-`, `_`; never an IPv4/IPv6 literal (those contain . or :).
  return /^[a-z0-9_][a-z0-9_-]*$/.test(h) && !/^\d+$/.test(h);
}

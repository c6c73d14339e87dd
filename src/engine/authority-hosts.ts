/**
 * Host checks of the database authority contract: which hosts a declared authority may live on.
 * Pure: no DNS, no connection. Used by {@link checkAuthority} in ./authority.ts.
 */
import { isIP } from 'node:net';

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

/** IPv6 loopback as WHATWG URL prints it: `::1` and the IPv4-mapped `::ffff:127.0.0.1`. */
const IPV6_LOOPBACK = new Set(['[::1]', '[::ffff:7f00:1]']);

/**
 * The address an IP literal denotes, in canonical form (`127.0.0.1`, `[::1]`), or undefined when
 * `host` is a name. IPv4 is read as WHATWG URL reads it, which accepts what the system resolver's
 * `inet_aton` accepts: hex (`0x7f000001`), octal (`0177.0.0.1`), a bare number (`2130706433`) and
 * short dotted forms (`127.1`, `0x7f.1`). A host that looks numeric but is no valid address yields
 * `'invalid'`, never a name.
 */
function ipAddressOf(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) {
    try {
      return new URL(`http://[${bare}]/`).hostname;
    } catch {
      return 'invalid';
    }
  }
  if (host.includes(':')) return 'invalid';
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    // WHATWG refuses a host whose last label is numeric but no valid IPv4 number (`08`, `1.2.3.256`).
    return 'invalid';
  }
  if (isIP(hostname) === 4) return host.endsWith('.') ? 'invalid' : hostname;
  return undefined;
}

/**
 * True when `host` is a local target: loopback (127.0.0.1 or ::1, in whatever numeric form the
 * resolver would read as that address), a unix socket directory (an absolute path), or a docker
 * service name (a single DNS label that is no numeric address form: `0x08080808` is 8.8.8.8).
 */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK.has(h)) return true;
  if (h.startsWith('/')) return true;
  const address = ipAddressOf(h);
  if (address !== undefined) return address === '127.0.0.1' || IPV6_LOOPBACK.has(address);
  // A single label: letters, digits, `-`, `_` (no dots, so never a remote DNS name).
  return /^[a-z0-9_][a-z0-9_-]*$/.test(h);
}

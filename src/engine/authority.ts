import { describeTarget, hostSource } from '../postgres/target.js';
import { redactDatabaseUrl, redactUrl } from '../postgres/url.js';
import {
  DEFAULT_AUTHORITY_HOSTS,
  hostMatches,
  isLocalHost,
  parseAuthorityHosts,
  type AuthorityHostMap,
} from './authority-hosts.js';

/** The roles of DB-AUTH-001: what a database is for. */
export const DATABASE_ROLES = ['staging', 'prod', 'replica'] as const;

/** Everything the authority check looks at. Nothing here is discovered from a database. */
export interface AuthorityInput {
  /** What the procedure requires (`requires:` of the YAML). `role` may list accepted roles. */
  requires: { authority?: string; role?: string | readonly string[] };
  /** Whether the procedure may write (any writing action, or `requires.writes`). */
  writes: boolean;
  /** The process environment: DB_AUTHORITY, DB_ROLE, DB_ENV, CONFIRM_PROD_MIGRATIONS, RUNBOOK_AUTHORITY_HOSTS. */
  env: Readonly<Record<string, string | undefined>>;
  /** CLI flags of the same meaning; each overrides its environment variable. */
  flags: {
    authority?: string;
    role?: string;
    env?: string;
    confirmProd?: boolean;
    /** Same syntax as RUNBOOK_AUTHORITY_HOSTS: `neon=*.neon.tech,other=*.x.com`. */
    authorityHosts?: string;
  };
  /** The server URL the run would connect to (may hold a password; never echoed in clear). */
  url: string;
}

/** The run may go ahead under this declared authority. */
export interface AuthorityGranted {
  ok: true;
  authority: string;
  role: string;
  /** DB_ENV as declared (`prod-like`, `dev`, `test`), when declared. */
  dbEnv?: string;
  /** Gates confirmed for this invocation: `prod` when CONFIRM_PROD_MIGRATIONS=true or --confirm-prod. */
  confirmations: Set<string>;
  /** Suspicious but allowed combinations (e.g. role prod on a local host). */
  warnings: string[];
}

/** The run is refused (exit 3); `message` says exactly what to set. */
export interface AuthorityRefused {
  ok: false;
  /** e.g. AUTHORITY_UNDECLARED, ROLE_MISMATCH, REPLICA_WRITE, URL_AUTHORITY_MISMATCH. */
  code: string;
  message: string;
}

/** Result of {@link checkAuthority}. */
export type AuthorityDecision = AuthorityGranted | AuthorityRefused;

function declared(flag: string | undefined, envValue: string | undefined): string | undefined {
  const v = (flag ?? envValue)?.trim().toLowerCase();
  return v === '' ? undefined : v;
}

function refuse(code: string, message: string): AuthorityRefused {
  return { ok: false, code, message };
}

function hostMap(input: AuthorityInput): { hosts: AuthorityHostMap } | AuthorityRefused {
  const text = input.flags.authorityHosts ?? input.env.RUNBOOK_AUTHORITY_HOSTS;
  if (text === undefined || text.trim() === '') return { hosts: DEFAULT_AUTHORITY_HOSTS };
  const parsed = parseAuthorityHosts(text);
  if (!parsed.ok) {
    return refuse(
      'AUTHORITY_HOSTS_INVALID',
      `RUNBOOK_AUTHORITY_HOSTS / --authority-hosts entry "${parsed.entry}" is not <authority>=<host pattern>; ` +
        'write it like neon=*.neon.tech,other=*.example.com',
    );
  }
  if (parsed.hosts.local) {
    return refuse(
      'AUTHORITY_HOSTS_INVALID',
      'RUNBOOK_AUTHORITY_HOSTS / --authority-hosts / authority_hosts gives host patterns for local: ' +
        'local is loopback, a unix socket or a docker service name and takes none; declare the ' +
        'authority that owns those hosts under its own name',
    );
  }
  return { hosts: { ...DEFAULT_AUTHORITY_HOSTS, ...parsed.hosts } };
}

/**
 * The database authority contract (docs/design.md "Database authority contract"; runbook DB-AUTH-001), checked before anything
 * connects. Pure: reads only its input. Authority and role must be declared (DB_AUTHORITY /
 * DB_ROLE or --authority / --role) and match what the procedure requires; `replica` never writes;
 * `prod` writes only when confirmed; the URL's host must belong to the declared authority
 * (`local`: loopback, a unix socket or a docker service name; others: host patterns from
 * RUNBOOK_AUTHORITY_HOSTS / --authority-hosts, `neon=*.neon.tech` built in). The authority is never
 * inferred from the URL: an authority with no known host pattern is refused as unverifiable.
 *
 * The host checked is the one node-postgres will connect to (see `describeTarget`): a `?host=` or
 * `?port=` in the query, or PGHOST/PGPORT when the URL leaves them out, count, not the URL's
 * visible host. PGHOSTADDR and PGSERVICE are refused: libpq tools would follow them whatever the
 * URL says. Reads only its input, plus the PG* variables node-postgres itself reads.
 */
export function checkAuthority(input: AuthorityInput): AuthorityDecision {
  const identity = declaredIdentity(input);
  if ('ok' in identity) return identity;
  const { authority, role } = identity;
  const confirmations = confirmedWrites(input, role);
  if ('ok' in confirmations) return confirmations;
  const warnings = checkTargetHost(input, authority, role);
  if (!Array.isArray(warnings)) return warnings;
  const dbEnv = declared(input.flags.env, input.env.DB_ENV);
  return {
    ok: true,
    authority,
    role,
    ...(dbEnv !== undefined ? { dbEnv } : {}),
    confirmations,
    warnings,
  };
}

/**
 * The declared authority and role: both must be declared, the role one of {@link DATABASE_ROLES},
 * and both what the procedure requires.
 */
function declaredIdentity(
  input: AuthorityInput,
): { authority: string; role: string } | AuthorityRefused {
  const { requires, env, flags } = input;
  const authority = declared(flags.authority, env.DB_AUTHORITY);
  const role = declared(flags.role, env.DB_ROLE);
  const required = requires.authority?.trim().toLowerCase();
  const acceptedRoles =
    requires.role === undefined
      ? undefined
      : (typeof requires.role === 'string' ? [requires.role] : [...requires.role]).map((r) =>
          r.trim().toLowerCase(),
        );

  if (authority === undefined) {
    return refuse(
      'AUTHORITY_UNDECLARED',
      `no database authority declared: set DB_AUTHORITY=${required ?? '<local|neon>'} ` +
        `(or pass --authority ${required ?? '<name>'}); authority is declared, never inferred from the URL`,
    );
  }
  if (role === undefined) {
    const hint = acceptedRoles?.join('|') ?? DATABASE_ROLES.join('|');
    return refuse(
      'ROLE_UNDECLARED',
      `no database role declared: set DB_ROLE=${acceptedRoles?.length === 1 ? acceptedRoles[0] : `<${hint}>`} ` +
        `(or pass --role); DB_ROLE must be one of ${DATABASE_ROLES.join(', ')}`,
    );
  }
  if (!(DATABASE_ROLES as readonly string[]).includes(role)) {
    return refuse(
      'ROLE_INVALID',
      `DB_ROLE=${role} is not a database role: set DB_ROLE to one of ${DATABASE_ROLES.join(', ')}`,
    );
  }
  if (required !== undefined && required !== authority) {
    return refuse(
      'AUTHORITY_MISMATCH',
      `this procedure requires authority ${required} but DB_AUTHORITY=${authority} is declared: ` +
        `set DB_AUTHORITY=${required} (or --authority ${required}) if this is really a ${required} database`,
    );
  }
  if (acceptedRoles !== undefined && !acceptedRoles.includes(role)) {
    return refuse(
      'ROLE_MISMATCH',
      `this procedure requires DB_ROLE ${acceptedRoles.join(' or ')} but DB_ROLE=${role} is declared: ` +
        `set DB_ROLE=${acceptedRoles[0] ?? ''} (or --role) only if the target really is that`,
    );
  }
  return { authority, role };
}

/**
 * The gates confirmed (`prod` by CONFIRM_PROD_MIGRATIONS=true or --confirm-prod), once the role
 * allows the procedure's writes: a replica never writes, prod only when confirmed.
 */
function confirmedWrites(input: AuthorityInput, role: string): Set<string> | AuthorityRefused {
  const { writes, env, flags } = input;
  if (role === 'replica' && writes) {
    return refuse(
      'REPLICA_WRITE',
      'DB_ROLE=replica is read-only and this procedure writes: run it against a staging or prod ' +
        'database (DB_ROLE=staging, or DB_ROLE=prod with CONFIRM_PROD_MIGRATIONS=true)',
    );
  }
  const confirmations = new Set<string>();
  if (flags.confirmProd === true || env.CONFIRM_PROD_MIGRATIONS?.trim() === 'true') {
    confirmations.add('prod');
  }
  if (role === 'prod' && writes && !confirmations.has('prod')) {
    return refuse(
      'PROD_UNCONFIRMED',
      'DB_ROLE=prod and this procedure writes: set CONFIRM_PROD_MIGRATIONS=true (or pass --confirm-prod) to confirm',
    );
  }
  return confirmations;
}

/**
 * The URL's host (the one node-postgres connects to) against the declared authority's host
 * patterns; returns the warnings of an allowed but suspicious combination.
 */
function checkTargetHost(
  input: AuthorityInput,
  authority: string,
  role: string,
): string[] | AuthorityRefused {
  const { env } = input;
  let hosts: string[];
  try {
    hosts = describeTarget(input.url).host.split(',');
  } catch (err) {
    return refuse('URL_INVALID', redactUrl((err as Error).message));
  }
  const libpqOverride = ['PGHOSTADDR', 'PGSERVICE'].filter((k) => env[k]?.trim());
  if (libpqOverride.length > 0) {
    return refuse(
      'URL_TARGET_UNVERIFIABLE',
      `${libpqOverride.join(' and ')} ${libpqOverride.length > 1 ? 'are' : 'is'} set: libpq tools ` +
        '(pg_dump, psql in a shell step) would connect where it says whatever the URL names, so the ' +
        'target cannot be verified; unset it and give the server in --database-url/DATABASE_URL',
    );
  }
  const where = `${redactDatabaseUrl(input.url)} (host taken from ${hostSource(input.url)})`;
  const warnings: string[] = [];
  const map = hostMap(input);
  if (!('hosts' in map)) return map;
  const patterns = map.hosts[authority] ?? [];
  if (authority === 'local') {
    // Patterns never widen local (refused in hostMap): its hosts are fixed by the contract.
    const foreign = hosts.filter((h) => !isLocalHost(h));
    if (foreign.length > 0) {
      return refuse(
        'URL_AUTHORITY_MISMATCH',
        `DB_AUTHORITY=local but the database URL's host ${foreign.join(', ')} is not local ` +
          `(localhost, 127.0.0.1, ::1, a unix socket or a docker service name): ${where}. ` +
          'Point --database-url/DATABASE_URL at the local server, or declare the authority that owns this host',
      );
    }
    if (role === 'prod') warnings.push(`DB_ROLE=prod on a local host (${hosts.join(', ')})`);
  } else {
    if (patterns.length === 0) {
      return refuse(
        'AUTHORITY_UNVERIFIABLE',
        `no host pattern is known for DB_AUTHORITY=${authority}, so the URL cannot be verified: ` +
          `set RUNBOOK_AUTHORITY_HOSTS=${authority}=<host pattern, e.g. *.example.com> (or --authority-hosts)`,
      );
    }
    const foreign = hosts.filter((h) => !patterns.some((p) => hostMatches(h, p)));
    if (foreign.length > 0) {
      return refuse(
        'URL_AUTHORITY_MISMATCH',
        `DB_AUTHORITY=${authority} but the database URL's host ${foreign.join(', ')} does not match ` +
          `${patterns.join(' or ')}: ${where}. Point --database-url/DATABASE_URL at a ${authority} host, ` +
          `or fix RUNBOOK_AUTHORITY_HOSTS`,
      );
    }
  }
  return warnings;
}

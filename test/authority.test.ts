import { describe, expect, it } from 'vitest';
import { checkAuthority, type AuthorityInput } from '../src/engine/authority.js';
import { hostMatches, isLocalHost, parseAuthorityHosts } from '../src/engine/authority-hosts.js';

const LOCAL_URL = 'postgresql://nova:novapass@localhost:5433/postgres';
const NEON_URL = 'postgresql://app:n30nSecret@ep-cool-1234.us-east-2.aws.neon.tech/neondb';

function input(over: Partial<AuthorityInput> = {}): AuthorityInput {
  return {
    requires: { authority: 'local', role: 'staging' },
    writes: true,
    env: { DB_AUTHORITY: 'local', DB_ROLE: 'staging' },
    flags: {},
    url: LOCAL_URL,
    ...over,
  };
}

function refusal(over: Partial<AuthorityInput>): { code: string; message: string } {
  const d = checkAuthority(input(over));
  if (d.ok) throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d;
}

describe('checkAuthority', () => {
  it('grants a declared local staging run on localhost', () => {
    const d = checkAuthority(
      input({ env: { DB_AUTHORITY: 'local', DB_ROLE: 'staging', DB_ENV: 'dev' } }),
    );
    expect(d).toEqual({
      ok: true,
      authority: 'local',
      role: 'staging',
      dbEnv: 'dev',
      confirmations: new Set(),
      warnings: [],
    });
  });

  it('refuses when no authority is declared, naming the variable and the value to set', () => {
    const r = refusal({ env: { DB_ROLE: 'staging' } });
    expect(r.code).toBe('AUTHORITY_UNDECLARED');
    expect(r.message).toContain('DB_AUTHORITY=local');
    expect(refusal({ env: { DB_AUTHORITY: '  ', DB_ROLE: 'staging' } }).code).toBe(
      'AUTHORITY_UNDECLARED',
    );
  });

  it('refuses an undeclared authority even when the procedure requires none', () => {
    const r = refusal({ requires: {}, env: { DB_ROLE: 'staging' } });
    expect(r.code).toBe('AUTHORITY_UNDECLARED');
  });

  it('refuses when no role is declared, naming DB_ROLE and the required role', () => {
    const r = refusal({ env: { DB_AUTHORITY: 'local' } });
    expect(r.code).toBe('ROLE_UNDECLARED');
    expect(r.message).toContain('DB_ROLE=staging');
  });

  it('refuses a role that is not staging, prod or replica', () => {
    const r = refusal({ requires: {}, env: { DB_AUTHORITY: 'local', DB_ROLE: 'stagign' } });
    expect(r.code).toBe('ROLE_INVALID');
    expect(r.message).toContain('staging, prod, replica');
  });

  it('refuses a declared authority that differs from the required one', () => {
    const r = refusal({ env: { DB_AUTHORITY: 'neon', DB_ROLE: 'staging' }, url: NEON_URL });
    expect(r.code).toBe('AUTHORITY_MISMATCH');
    expect(r.message).toContain('DB_AUTHORITY=local');
  });

  it('refuses a declared role that differs from the required one, and accepts a list', () => {
    expect(refusal({ env: { DB_AUTHORITY: 'local', DB_ROLE: 'prod' } }).code).toBe('ROLE_MISMATCH');
    const d = checkAuthority(
      input({
        requires: { authority: 'local', role: ['staging', 'prod'] },
        env: { DB_AUTHORITY: 'local', DB_ROLE: 'prod', CONFIRM_PROD_MIGRATIONS: 'true' },
      }),
    );
    expect(d.ok).toBe(true);
    const r = refusal({
      requires: { role: ['staging', 'prod'] },
      env: { DB_AUTHORITY: 'local', DB_ROLE: 'replica' },
      writes: false,
    });
    expect(r.code).toBe('ROLE_MISMATCH');
    expect(r.message).toContain('staging or prod');
  });

  it('never lets a replica run a writing procedure, but lets it read', () => {
    const env = { DB_AUTHORITY: 'local', DB_ROLE: 'replica' };
    expect(refusal({ requires: {}, env }).code).toBe('REPLICA_WRITE');
    expect(refusal({ requires: {}, env, flags: { confirmProd: true } }).code).toBe('REPLICA_WRITE');
    expect(checkAuthority(input({ requires: {}, env, writes: false })).ok).toBe(true);
  });

  it('lets prod write only with CONFIRM_PROD_MIGRATIONS=true or --confirm-prod', () => {
    const base = {
      requires: { authority: 'neon', role: 'prod' },
      url: NEON_URL,
    };
    const r = refusal({ ...base, env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod' } });
    expect(r.code).toBe('PROD_UNCONFIRMED');
    expect(r.message).toContain('CONFIRM_PROD_MIGRATIONS=true');
    expect(r.message).toContain('--confirm-prod');
    expect(
      refusal({
        ...base,
        env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod', CONFIRM_PROD_MIGRATIONS: 'yes' },
      }).code,
    ).toBe('PROD_UNCONFIRMED');
    const viaEnv = checkAuthority(
      input({
        ...base,
        env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod', CONFIRM_PROD_MIGRATIONS: 'true' },
      }),
    );
    expect(viaEnv.ok && [...viaEnv.confirmations]).toEqual(['prod']);
    const viaFlag = checkAuthority(
      input({
        ...base,
        env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod' },
        flags: { confirmProd: true },
      }),
    );
    expect(viaFlag.ok && viaFlag.confirmations.has('prod')).toBe(true);
    // Reading prod needs no confirmation.
    expect(
      checkAuthority(
        input({ ...base, env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod' }, writes: false }),
      ).ok,
    ).toBe(true);
  });

  it('lets flags override the environment', () => {
    const d = checkAuthority(
      input({
        env: { DB_AUTHORITY: 'neon', DB_ROLE: 'prod' },
        flags: { authority: 'local', role: 'staging', env: 'test' },
      }),
    );
    expect(d.ok && [d.authority, d.role, d.dbEnv]).toEqual(['local', 'staging', 'test']);
    expect(refusal({ flags: { role: 'replica' } }).code).toBe('ROLE_MISMATCH');
  });

  it('accepts every local host form: loopback, ::1, unix socket, docker service name', () => {
    for (const url of [
      'postgresql://u:p@localhost/db',
      'postgresql://u:p@127.0.0.1:5432/db',
      'postgresql://u:p@[::1]:5432/db',
      'postgresql://u@%2Fvar%2Frun%2Fpostgresql/db',
      'postgresql:///db?host=/var/run/postgresql',
      'postgresql://nova:novapass@db:5432/nova_aos',
      'postgresql://nova:novapass@pgbouncer-1:6432/nova_aos',
    ]) {
      expect(checkAuthority(input({ url })).ok, url).toBe(true);
    }
  });

  it('refuses a local authority on a remote host, without printing the password', () => {
    for (const url of [
      NEON_URL,
      'postgresql://u:p4ss@10.0.0.5/db',
      'postgresql://u:p4ss@db.internal/db',
    ]) {
      const r = refusal({ url });
      expect(r.code, url).toBe('URL_AUTHORITY_MISMATCH');
      expect(r.message).not.toMatch(/n30nSecret|p4ss/);
    }
  });

  it('checks the host node-postgres will use: ?host=, ?port= and PGHOST override the URL', () => {
    const local = refusal({ url: 'postgres://u:p4ss@localhost:54331/postgres?host=192.0.2.2' });
    expect(local.code).toBe('URL_AUTHORITY_MISMATCH');
    expect(local.message).toContain('host 192.0.2.2 is not local');
    expect(local.message).toContain('?host= parameter');
    expect(local.message).not.toContain('p4ss');
    const neon = {
      requires: { authority: 'neon', role: 'staging' },
      env: { DB_AUTHORITY: 'neon', DB_ROLE: 'staging' },
    };
    expect(refusal({ ...neon, url: 'postgres://u@x.neon.tech/db?host=anything' }).code).toBe(
      'URL_AUTHORITY_MISMATCH',
    );
    const saved = process.env.PGHOST;
    process.env.PGHOST = '10.0.0.9';
    try {
      expect(refusal({ url: 'postgresql:///db' }).message).toContain('taken from PGHOST');
      // A URL that names its host is not overridden by PGHOST (nor by node-postgres).
      expect(checkAuthority(input({ url: LOCAL_URL })).ok).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.PGHOST;
      else process.env.PGHOST = saved;
    }
  });

  it('refuses what only libpq tools would follow: hostaddr/service/dbname keys, PGHOSTADDR, PGSERVICE', () => {
    for (const q of ['hostaddr=192.0.2.2', 'service=prod', 'dbname=other', 'port=abc']) {
      expect(refusal({ url: `${LOCAL_URL}?${q}` }).code, q).toBe('URL_INVALID');
    }
    for (const k of ['PGHOSTADDR', 'PGSERVICE']) {
      const r = refusal({ env: { DB_AUTHORITY: 'local', DB_ROLE: 'staging', [k]: 'x' } });
      expect(r.code).toBe('URL_TARGET_UNVERIFIABLE');
      expect(r.message).toContain(k);
    }
  });

  it('checks other authorities against the configured host patterns', () => {
    const neon = { requires: { authority: 'neon', role: 'staging' }, url: NEON_URL };
    const env = { DB_AUTHORITY: 'neon', DB_ROLE: 'staging' };
    expect(checkAuthority(input({ ...neon, env })).ok).toBe(true);
    const r = refusal({ ...neon, env, url: 'postgresql://app:n30nSecret@localhost/neondb' });
    expect(r.code).toBe('URL_AUTHORITY_MISMATCH');
    expect(r.message).toContain('*.neon.tech');
    expect(r.message).not.toContain('n30nSecret');
    // A configured pattern for another authority, from the env and from the flag (flag wins).
    const other = {
      requires: { authority: 'other', role: 'staging' },
      url: 'postgresql://u:p@db1.x.com/app',
    };
    const otherEnv = { DB_AUTHORITY: 'other', DB_ROLE: 'staging' };
    expect(
      checkAuthority(
        input({
          ...other,
          env: { ...otherEnv, RUNBOOK_AUTHORITY_HOSTS: 'neon=*.neon.tech,other=*.x.com' },
        }),
      ).ok,
    ).toBe(true);
    expect(
      refusal({
        ...other,
        env: { ...otherEnv, RUNBOOK_AUTHORITY_HOSTS: 'other=*.x.com' },
        flags: { authorityHosts: 'other=*.y.com' },
      }).code,
    ).toBe('URL_AUTHORITY_MISMATCH');
  });

  it('refuses an authority with no known host pattern as unverifiable, never inferring it', () => {
    const r = refusal({
      requires: { authority: 'aws', role: 'staging' },
      env: { DB_AUTHORITY: 'aws', DB_ROLE: 'staging' },
      url: 'postgresql://u:p@mydb.rds.amazonaws.com/app',
    });
    expect(r.code).toBe('AUTHORITY_UNVERIFIABLE');
    expect(r.message).toContain('RUNBOOK_AUTHORITY_HOSTS=aws=');
  });

  it('refuses a malformed host map and an invalid URL', () => {
    expect(
      refusal({
        requires: { authority: 'neon', role: 'staging' },
        env: {
          DB_AUTHORITY: 'neon',
          DB_ROLE: 'staging',
          RUNBOOK_AUTHORITY_HOSTS: 'neon*.neon.tech',
        },
        url: NEON_URL,
      }).code,
    ).toBe('AUTHORITY_HOSTS_INVALID');
    const r = refusal({ url: 'mysql://u:s3cret@localhost/db' });
    expect(r.code).toBe('URL_INVALID');
    expect(r.message).not.toContain('s3cret');
  });

  it('local takes no host patterns: they would let it reach any host', () => {
    const remote = 'postgresql://u:pw@192.0.2.2:5432/postgres';
    for (const hosts of ['local=*', 'local=192.0.2.*,rds=*.rds.amazonaws.com']) {
      const r = refusal({ env: { DB_AUTHORITY: 'local', DB_ROLE: 'staging', RUNBOOK_AUTHORITY_HOSTS: hosts }, url: remote }); // prettier-ignore
      expect(r.code, hosts).toBe('AUTHORITY_HOSTS_INVALID');
      expect(r.message).toContain('local is loopback');
    }
    expect(refusal({ url: remote }).code).toBe('URL_AUTHORITY_MISMATCH');
  });

  it('warns (but allows) a prod role on a local host', () => {
    const d = checkAuthority(
      input({
        requires: { authority: 'local', role: 'prod' },
        env: { DB_AUTHORITY: 'local', DB_ROLE: 'prod', CONFIRM_PROD_MIGRATIONS: 'true' },
      }),
    );
    expect(d.ok && d.warnings).toEqual(['DB_ROLE=prod on a local host (localhost)']);
  });
});

describe('authority hosts', () => {
  it('parses the host map, repeating keys for several patterns', () => {
    expect(parseAuthorityHosts(' neon=*.neon.tech, other=*.x.com,other=db.y.org ,')).toEqual({
      ok: true,
      hosts: { neon: ['*.neon.tech'], other: ['*.x.com', 'db.y.org'] },
    });
    expect(parseAuthorityHosts('=x')).toEqual({ ok: false, entry: '=x' });
  });

  it('matches globs on whole host names only', () => {
    expect(hostMatches('ep-1.us-east-2.aws.neon.tech', '*.neon.tech')).toBe(true);
    expect(hostMatches('EP-1.NEON.TECH', '*.neon.tech')).toBe(true);
    expect(hostMatches('neon.tech.evil.com', '*.neon.tech')).toBe(false);
    expect(hostMatches('evilneon.tech', '*.neon.tech')).toBe(false);
    expect(hostMatches('db1xcom', 'db1.x.com')).toBe(false);
  });

  it('recognises local hosts and nothing else', () => {
    for (const h of ['localhost', '127.0.0.1', '::1', '[::1]', '/tmp', 'db', 'postgres_1'])
      expect(isLocalHost(h), h).toBe(true);
    for (const h of ['10.0.0.5', '127.0.0.2', 'db.internal', 'fe80::1', '12345'])
      expect(isLocalHost(h), h).toBe(false);
  });

  it('judges a numeric address form by the address the resolver reads, never as a service name', () => {
    // inet_aton (and WHATWG URL) read hex, octal, bare numbers and short dotted forms as IPv4.
    for (const h of ['0x7f000001', '0x7F.1', '127.1', '2130706433', '0177.0.0.1', '0x7f.0.0.1'])
      expect(isLocalHost(h), h).toBe(true);
    for (const h of ['0x08080808', '0x8080808', '134744072', '010.010.010.010', '8.8.2056', '0x08'])
      expect(isLocalHost(h), h).toBe(false);
    // A numeric-looking host that is no valid address (`08` is bad octal) is not a name either.
    for (const h of ['08', '1.2.3.256', '127.0.0.1.']) expect(isLocalHost(h), h).toBe(false);
    // IPv6: only loopback, in any spelling (IPv4-mapped included).
    for (const h of ['[::1]', '0:0:0:0:0:0:0:1', '[::ffff:127.0.0.1]', '::ffff:7f00:1'])
      expect(isLocalHost(h), h).toBe(true);
    for (const h of ['[::ffff:8.8.8.8]', '::ffff:808:808', '[::]', '::2'])
      expect(isLocalHost(h), h).toBe(false);
    for (const h of ['localhost.evil.com', 'localhost.', '127.0.0.1.evil.com'])
      expect(isLocalHost(h), h).toBe(false);
  });

  it('refuses a local authority on a hex, IPv4-mapped or PGHOST-given remote host', () => {
    for (const url of [
      'postgres://u:pw@0x08080808/db',
      'postgres://u:pw@localhost/db?host=0x08080808',
      'postgres://u:pw@[::ffff:8.8.8.8]/db',
      'postgres://u:pw@localhost.evil.com/db',
    ]) {
      expect(refusal({ url }).code, url).toBe('URL_AUTHORITY_MISMATCH');
    }
    expect(checkAuthority(input({ url: 'postgres://u:pw@0x7f000001:5432/db' })).ok).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { parseProcedure } from '../src/procedure/load-procedure.js';
import {
  redactParams,
  resolveParams,
  validateStepArguments,
} from '../src/procedure/resolve-params.js';
import { isSecretName, isSecretParam } from '../src/procedure/secret-names.js';
import { locate, testActions, validProcedure } from './procedure-fixtures.js';

const FILE = 'procedures/two-path.yaml';
const procedure = parseProcedure(validProcedure, FILE, testActions);

function rejectedParams(raw: Record<string, string>): InvalidInputError {
  try {
    resolveParams(procedure, raw, '/work/project');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected the params to be rejected');
}

describe('resolveParams', () => {
  it('uses defaults, resolving paths against cwd', () => {
    expect(resolveParams(procedure, {}, '/work/project')).toEqual({
      database: 'scratch',
      migrations: '/work/project/examples/nova/migrations',
      expect: { public: 3 },
      views: 2,
      admin_url: 'postgres://admin:s3cret@localhost:5432/postgres',
    });
  });

  it('parses --param values as YAML and checks them against the declared type', () => {
    const params = resolveParams(
      procedure,
      {
        expect: '{public: 136, agents: 13}',
        views: '14',
        database: '007',
        migrations: '../other/migrations',
        admin_url: 'postgresql://u@db.internal/app',
      },
      '/work/project',
    );
    expect(params).toMatchObject({
      expect: { public: 136, agents: 13 },
      views: 14,
      database: '007',
      migrations: '/work/other/migrations',
      admin_url: 'postgresql://u@db.internal/app',
    });
  });

  it('rejects an unknown --param, naming the flag and the nearest declared param', () => {
    const error = rejectedParams({ databse: 'x' });
    expect(error.problems).toEqual([
      {
        path: '--param databse',
        message: 'unknown param `databse` for procedure two-path',
        hint: 'did you mean --param database=...?',
      },
    ]);
    expect(error.message).toBe(
      '--param databse: unknown param `databse` for procedure two-path (did you mean --param database=...?)',
    );
  });

  it('rejects values of the wrong type, pointing at the declaration, all at once', () => {
    const error = rejectedParams({
      views: 'many',
      expect: '[1, 2]',
      admin_url: 'http://admin:hunter2@example.com',
      database: '{ unclosed',
    });
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]));
    expect(byPath['--param views']).toMatchObject({
      message: 'param `views` is declared integer: expected an integer, got string',
      hint: 'write a whole number, e.g. 3',
      position: { file: FILE, ...locate(validProcedure, 'views:') },
    });
    expect(byPath['--param expect']).toMatchObject({
      message: 'param `expect` is declared map: expected a map, got a list',
      hint: "write a YAML map, e.g. '{public: 3}'",
    });
    expect(byPath['--param admin_url']!.message).toMatch(/not a PostgreSQL URL/);
    expect(error.message).not.toContain('hunter2');
    expect(byPath['--param database']).toMatchObject({
      message: expect.stringMatching(/not valid YAML/),
      hint: expect.stringMatching(/quote the value/),
    });
    expect(error.problems).toHaveLength(4);
  });

  it('rejects a missing param that has no default', () => {
    const p = parseProcedure(
      'procedure: p\nparams:\n  target: { type: string, description: revision to reach }\nsteps:\n  - { id: a, do: sql.exec }\n',
      'p.yaml',
      testActions,
    );
    expect(() => resolveParams(p, {}, '/')).toThrow(
      'p.yaml:3:3: --param target: missing param `target` (string: revision to reach) (pass --param target=<string> or declare a default)',
    );
    expect(resolveParams(p, { target: 'head' }, '/')).toEqual({ target: 'head' });
  });
});

describe('validateStepArguments', () => {
  it('accepts arguments that fit once params are resolved, skipping step outputs', () => {
    const params = resolveParams(procedure, {}, '/work/project');
    expect(validateStepArguments(procedure, params, testActions)).toEqual([]);
  });

  it('reports an argument that fails its action schema after resolution, at the with key', () => {
    const params = resolveParams(procedure, { expect: '{public: many}', views: '3' }, '/p');
    const problems = validateStepArguments(procedure, params, testActions);
    expect(problems).toEqual([
      {
        path: 'steps[2].with.tables.public',
        position: { file: FILE, ...locate(validProcedure, 'tables:') },
        message: 'schema.expect: expected number, received string',
        hint: 'write a number here',
      },
    ]);
  });

  it('reports actions missing from the registry it is given', () => {
    const only = new Map([...testActions].filter(([name]) => name !== 'database.drop'));
    const problems = validateStepArguments(procedure, resolveParams(procedure, {}, '/'), only);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['finally[0].do', 'unknown action `database.drop`'],
    ]);
  });
});

describe('redactParams', () => {
  it('hides secret params and URL passwords', () => {
    const params = resolveParams(procedure, { database: 'postgres://u:pw@h/db' }, '/p');
    const redacted = redactParams(procedure, params);
    expect(redacted.admin_url).toBe('***');
    expect(redacted.database).toBe('postgres://u:***@h/db');
    expect(redacted.views).toBe(2);
    expect(JSON.stringify(redacted)).not.toMatch(/s3cret|:pw@/);
  });
});

describe('secret-looking param names', () => {
  it('are secret as whole words (auth, dsn, creds) or anywhere (password, passphrase, token…)', () => {
    for (const name of [
      'passphrase',
      'db_passphrase',
      'auth',
      'auth_header',
      'basicAuth',
      'authorization',
      'sentry_dsn',
      'DSN',
      'credentials',
      'private_key',
      'privateKey',
      'creds',
      'api_token',
    ])
      // prettier-ignore
      expect(isSecretName(name), name).toBe(true);
    for (const name of [
      'author',
      'authority',
      'authors',
      'author_name',
      'authorityHosts',
      'dsname',
      'oauth_provider',
      'description',
      'credit',
      'database',
    ])
      // prettier-ignore
      expect(isSecretName(name), name).toBe(false);
  });

  it('make a string, url, list or map param secret unless declared secret: false', () => {
    for (const type of ['string', 'url', 'list', 'map'])
      expect(isSecretParam('credentials', undefined, type), type).toBe(true);
    for (const type of ['integer', 'boolean', 'path'])
      expect(isSecretParam('credentials', undefined, type), type).toBe(false);
    expect(isSecretParam('credentials', false, 'map')).toBe(false);
    expect(isSecretParam('author', undefined, 'string')).toBe(false);
  });
});

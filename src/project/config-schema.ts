import * as z from 'zod';
import { PARAM_NAME, PROCEDURE_NAME } from '../procedure/procedure-schema.js';

/** Names of environment variables: letters, digits and `_`, not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Authority names as `DB_AUTHORITY` takes them. */
const AUTHORITY_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** A host pattern: no `,` or `=` (they separate entries of RUNBOOK_AUTHORITY_HOSTS), no space. */
const HOST_PATTERN = /^[^\s,=]+$/;

const hostPattern = z
  .string()
  .regex(HOST_PATTERN, 'must be a host pattern without spaces, `,` or `=` (e.g. *.neon.tech)');

/** The zod schema of `runbook.config.yaml` (docs/design.md "Configuration"). */
export const configSchema = z
  .strictObject({
    procedures: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The project's procedures directory, relative to this file (default `procedures`); built-in procedures are found after it",
      ),
    runs: z
      .string()
      .min(1)
      .optional()
      .describe('The runs directory, relative to this file (default `runs`)'),
    store: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The run store: a postgres:// URL (no password: give it with PGPASSWORD or RUNBOOK_STORE) or a runs directory relative to this file; --store and RUNBOOK_STORE replace it',
      ),
    database_url_env: z
      .string()
      .regex(ENV_NAME, 'must be an environment variable name (letters, digits, _)')
      .optional()
      .describe(
        'The environment variable holding the server URL when --database-url is not given (default DATABASE_URL)',
      ),
    authority_hosts: z
      .record(
        z.string().regex(AUTHORITY_NAME, 'must be an authority name (lower case, e.g. neon)'),
        z.union([hostPattern, z.array(hostPattern).min(1)]),
      )
      .optional()
      .describe(
        'Host patterns per declared authority (`*` matches any characters), e.g. { rds: "*.rds.amazonaws.com" }; RUNBOOK_AUTHORITY_HOSTS and --authority-hosts replace them',
      ),
    params: z
      .record(
        z.string().regex(PROCEDURE_NAME, 'must be a procedure name (e.g. upgrade)'),
        z.record(
          z.string().regex(PARAM_NAME, 'must be a param name (letters, digits, _ and -)'),
          z.unknown(),
        ),
      )
      .optional()
      .describe(
        'Default params per procedure, e.g. { upgrade: { migrations: db/migrations } }; --param overrides them. Paths are relative to this file. No secrets: pass those with --param or ${{ env.NAME }}',
      ),
  })
  .describe('runbook project configuration (runbook.config.yaml)');

/** The configuration as written in the file. */
export type ConfigFile = z.infer<typeof configSchema>;

/** Keys allowed at the top of the file (for "did you mean" hints). */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

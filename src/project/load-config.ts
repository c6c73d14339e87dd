import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, type InputProblem, type SourcePosition } from '../errors.js';
import type { JsonValue } from '../json.js';
import { isPostgresUrl, redactUrl } from '../postgres/url.js';
import { formatKeyPath, positionOf } from '../procedure/key-path.js';
import { readYaml } from '../procedure/read-yaml.js';
import { isSecretName } from '../procedure/secret-names.js';
import { zodProblems } from '../procedure/zod-problems.js';
import { CONFIG_FILE, configFileOf } from './config-file.js';
import { CONFIG_KEYS, configSchema } from './config-schema.js';

/** Where the JSON Schema generated from the config schema is committed (see ./config-json-schema.ts). */
export const CONFIG_SCHEMA_FILE = 'runbook.config.schema.json';

/** A project's configuration, read and checked; paths are absolute. */
export interface ProjectConfig {
  /** The file it came from, or null when the project has none (every setting then defaults). */
  file: string | null;
  /** The directory relative paths in the file are resolved against. */
  dir: string;
  procedures?: string;
  runs?: string;
  /** The run store: a PostgreSQL URL, or a runs directory (resolved against {@link dir}). */
  store?: string;
  /** Name of the environment variable holding the server URL. */
  databaseUrlEnv?: string;
  /** Host patterns per authority, in RUNBOOK_AUTHORITY_HOSTS' syntax. */
  authorityHosts?: string;
  /** Default params per procedure name, as written (paths still relative to {@link dir}). */
  params: Record<string, Record<string, JsonValue>>;
  /** Positions of the keys in the file, by key path (`params.upgrade.migrations`). */
  positions: Readonly<Record<string, SourcePosition>>;
}

/** Problems with values that hold a password: refused, and never echoed. */
function secretProblems(
  value: unknown,
  segments: (string | number)[],
  positions: Readonly<Record<string, SourcePosition>>,
): InputProblem[] {
  const at = (s: (string | number)[]) => {
    const key = formatKeyPath(s);
    return { path: key, position: positionOf(positions, key) };
  };
  if (typeof value === 'string') {
    return redactUrl(value) === value
      ? []
      : [
          {
            ...at(segments),
            message: 'holds a password; a config file is committed, so it takes none',
            hint: 'keep the URL in the environment (database_url_env) or pass it with --param',
          },
        ];
  }
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value);
  return entries.flatMap(([k, v]) => {
    const inParams = segments[0] === 'params' && segments.length === 2;
    if (inParams && typeof k === 'string' && isSecretName(k)) {
      return [
        {
          ...at([...segments, k]),
          message: `\`${k}\` reads as a secret; a config file is committed, so it takes none`,
          hint: `pass it with --param ${k}=... or as \${{ env.NAME }} in the procedure`,
        },
      ];
    }
    return secretProblems(v, [...segments, k], positions);
  });
}

/**
 * Parses and checks the text of a config file (pure: no IO). Throws one
 * {@link InvalidInputError} listing every problem with `file:line:column`, the key and a hint;
 * a value holding a password is refused without being echoed.
 */
export function parseConfig(text: string, file: string): ProjectConfig {
  const yaml = readYaml(text, file);
  if (yaml.problems.length > 0) throw new InvalidInputError(yaml.problems);
  const root = yaml.value ?? {};
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new InvalidInputError([
      {
        message: `${CONFIG_FILE} must be a YAML mapping`,
        position: { file, line: 1, column: 1 },
        hint: 'e.g. `procedures: procedures` on its own line',
      },
    ]);
  }
  const parsed = configSchema.safeParse(root);
  const problems = secretProblems(root, [], yaml.positions);
  if (!parsed.success) {
    problems.push(
      ...zodProblems(parsed.error.issues, {
        value: root,
        positions: yaml.positions,
        allowedKeys: (p) => (p.length === 0 ? CONFIG_KEYS : undefined),
        schemaFile: CONFIG_SCHEMA_FILE,
      }),
    );
  }
  if (problems.length > 0 || !parsed.success) throw new InvalidInputError(problems);
  const c = parsed.data;
  const dir = path.dirname(path.resolve(file));
  const hosts = Object.entries(c.authority_hosts ?? {}).flatMap(([authority, patterns]) =>
    (Array.isArray(patterns) ? patterns : [patterns]).map((p) => `${authority}=${p}`),
  );
  return {
    file: path.resolve(file),
    dir,
    ...(c.procedures ? { procedures: path.resolve(dir, c.procedures) } : {}),
    ...(c.runs ? { runs: path.resolve(dir, c.runs) } : {}),
    ...(c.store ? { store: isPostgresUrl(c.store) ? c.store : path.resolve(dir, c.store) } : {}),
    ...(c.database_url_env ? { databaseUrlEnv: c.database_url_env } : {}),
    ...(hosts.length ? { authorityHosts: hosts.join(',') } : {}),
    params: (c.params ?? {}) as Record<string, Record<string, JsonValue>>,
    positions: yaml.positions,
  };
}

/** A project's config, with the file and the bytes it was parsed from (null: the project has none). */
export interface LoadedConfig {
  config: ProjectConfig;
  source: { file: string; bytes: Buffer } | null;
}

/**
 * Reads the project's config, once: `$RUNBOOK_CONFIG` when set (it must exist), else
 * `runbook.config.yaml` in `cwd` when present, else an empty config (every setting defaults).
 */
export async function readProjectConfig(
  cwd: string = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadedConfig> {
  const file = configFileOf(cwd, env);
  if (file === null) {
    return {
      config: { file: null, dir: path.resolve(cwd), params: {}, positions: {} },
      source: null,
    };
  }
  const bytes = await readFile(file);
  const config = parseConfig(bytes.toString('utf8'), path.relative(cwd, file) || file);
  return { config, source: { file, bytes } };
}

/** The project's config, as {@link readProjectConfig} reads it. */
export async function loadProjectConfig(
  cwd: string = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ProjectConfig> {
  return (await readProjectConfig(cwd, env)).config;
}

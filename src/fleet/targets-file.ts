import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInputError, type InputProblem } from '../errors.js';
import { isPostgresUrl, parseDatabaseUrl } from '../postgres/url.js';
import { readYaml } from '../procedure/read-yaml.js';
import { zodProblems } from '../procedure/zod-problems.js';

/**
 * The targets file of `runbook fleet run` (docs/design.md "Fleets"): a default server, params
 * shared by every target, and a list of targets, each a database on the default server, a
 * database URL, or a query listing databases on a server.
 */

const paramValue = z.union([z.string(), z.number(), z.boolean()]);
const params = z.record(z.string(), paramValue);
const serverUrl = z.string().refine((s) => isPostgresUrl(s), {
  message: 'expected a postgres:// or postgresql:// URL',
});

const entry = z.union([
  z.strictObject({ database: z.string().min(1), params: params.optional() }),
  z.strictObject({ url: serverUrl, params: params.optional() }),
  z.strictObject({
    query: z.string().min(1),
    server: serverUrl.optional(),
    params: params.optional(),
  }),
]);

const file = z.strictObject({
  server: serverUrl.optional(),
  params: params.optional(),
  targets: z.array(entry).min(1),
});

/** A param value as the targets file gives it (a `--param` value once turned into text). */
export type TargetParamValue = z.infer<typeof paramValue>;

/** One entry of the file, with where it sits (`targets[3]`) for messages. */
export type TargetEntry = z.infer<typeof entry> & { at: string };

/** A targets file as validated, before queries are run. */
export interface TargetsFile {
  file: string;
  /** The default server (`server:`), when the file names one. */
  server?: string;
  /** Params of every target (a target's own params override them). */
  params: Record<string, TargetParamValue>;
  targets: TargetEntry[];
}

/** Which key of an entry decides its kind, for "did you mean" hints. */
const ENTRY_KEYS = ['database', 'url', 'query', 'server', 'params'];

/**
 * Reads and validates a targets file. Throws {@link InvalidInputError} (exit 2) with
 * `file:line:column` and the key path of every problem: YAML syntax, an unknown key, a target
 * that is none of `database:` / `url:` / `query:`, a URL that does not parse (its password
 * masked). Nothing connects anywhere.
 */
export async function readTargetsFile(path: string): Promise<TargetsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError([
      { path, message: `cannot read the targets file: ${(err as NodeJS.ErrnoException).code}` },
    ]);
  }
  const read = readYaml(text, path);
  if (read.problems.length > 0) throw new InvalidInputError(read.problems);
  const parsed = file.safeParse(read.value);
  if (!parsed.success) {
    throw new InvalidInputError(
      zodProblems(parsed.error.issues, {
        value: read.value,
        positions: read.positions,
        allowedKeys: (p) =>
          p.length === 0
            ? ['server', 'params', 'targets']
            : p.length === 2
              ? ENTRY_KEYS
              : undefined,
      }),
    );
  }
  const problems: InputProblem[] = [];
  const urlProblem = (url: string | undefined, at: string): void => {
    if (url === undefined) return;
    try {
      parseDatabaseUrl(url);
    } catch (err) {
      problems.push({ path: at, position: read.positions[at], message: (err as Error).message });
    }
  };
  urlProblem(parsed.data.server, 'server');
  parsed.data.targets.forEach((t, i) => {
    if ('url' in t) urlProblem(t.url, `targets[${i}].url`);
    if ('server' in t) urlProblem(t.server, `targets[${i}].server`);
    if ('url' in t && URL.canParse(t.url) && !new URL(t.url).pathname.slice(1)) {
      problems.push({
        path: `targets[${i}].url`,
        position: read.positions[`targets[${i}].url`],
        message: 'the URL names no database',
      });
    }
  });
  if (problems.length > 0) throw new InvalidInputError(problems);
  return {
    file: path,
    ...(parsed.data.server !== undefined ? { server: parsed.data.server } : {}),
    params: parsed.data.params ?? {},
    targets: parsed.data.targets.map((t, i) => ({ ...t, at: `targets[${i}]` })),
  };
}

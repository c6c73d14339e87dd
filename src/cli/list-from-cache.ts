/**
 * `runbook list` answered from the verb's data cache alone, before its bundle loads: when every
 * procedure file, and the project's config file, has the content `list` last summarised, nothing
 * needs parsing, so neither the YAML parser, zod nor the actions are loaded. Anything else (a file
 * changed, no cache, an error to report) is left to the verb itself, which then fills the cache.
 * docs/design.md, "The CLI bundle".
 */
import { readFileSync, statSync } from 'node:fs';
import { checkProceduresDir, listProcedures } from '../procedure/find-procedures.js';
import {
  fileKey,
  summarizeProcedures,
  type SummarizeFile,
  type SummaryStore,
} from '../procedure/summarize-procedures.js';
import { configFileOf } from '../project/config-file.js';
import type { ProjectConfig } from '../project/load-config.js';
import { proceduresSetting } from '../project/procedures-setting.js';
import { printProcedureList } from './print-procedure-list.js';
import type { VerbDataCache } from './verb.js';

/** `list`'s options. */
export interface ListOptions {
  procedures?: string;
  json?: boolean;
}

/** The data cache's summaries of procedure files, as {@link summarizeProcedures} keeps them. */
export function summaryStore(cache: VerbDataCache): SummaryStore {
  return {
    read: () => cache.read('procedures'),
    write: (text) => cache.write('procedures', text),
  };
}

const CONFIG_ENTRY = 'config';
const CONFIG_FORMAT = 'runbook-list-config-1';

/** A regular file: read as often as one likes (a pipe, or a device, gives its content once). */
const isRegularFile = (file: string): boolean => statSync(file).isFile();

/**
 * Keeps what `list` takes from the project's config (its procedures directory), keyed by the
 * config file's path and the bytes `config` was parsed from (`source`, as `readProjectConfig`
 * read them). Only a regular file's: {@link listFromCache} reads no other.
 */
export function rememberConfig(
  cache: VerbDataCache,
  source: { file: string; bytes: Buffer },
  config: ProjectConfig,
): void {
  if (config.file !== source.file || !isRegularFile(source.file)) return;
  const entry = JSON.stringify({
    format: CONFIG_FORMAT,
    key: fileKey(source.file, source.bytes),
    ...(config.procedures === undefined ? {} : { procedures: config.procedures }),
  });
  if (cache.read(CONFIG_ENTRY) !== entry) cache.write(CONFIG_ENTRY, entry);
}

/**
 * The project's config as far as `list` uses it: `{ file: null }` without a config file; from the
 * cache when the config is a regular file with the content {@link rememberConfig} kept (read
 * here once); undefined otherwise, having read nothing that is not a regular file.
 */
function keptConfig(cache: VerbDataCache): Pick<ProjectConfig, 'file' | 'procedures'> | undefined {
  const file = configFileOf(process.cwd(), process.env);
  if (file === null) return { file: null };
  if (!isRegularFile(file)) return undefined;
  let entry: { format?: unknown; key?: unknown; procedures?: unknown };
  try {
    entry = JSON.parse(cache.read(CONFIG_ENTRY) ?? 'null') ?? {};
  } catch {
    return undefined;
  }
  if (entry.format !== CONFIG_FORMAT || entry.key !== fileKey(file, readFileSync(file))) {
    return undefined;
  }
  if (entry.procedures !== undefined && typeof entry.procedures !== 'string') return undefined;
  return { file, ...(entry.procedures === undefined ? {} : { procedures: entry.procedures }) };
}

/** Thrown by {@link notKept}: a procedure file whose summary the cache does not hold. */
class NotKept extends Error {}

/** A {@link SummarizeFile} for files the cache holds no summary of: gives up on the list. */
const notKept: SummarizeFile = () => Promise.reject(new NotKept());

/**
 * Prints `runbook list` from `cache` and returns its exit code, when the cache holds the summary
 * of every procedure file and the config's content; undefined (nothing printed, nothing written)
 * when the verb must run: something changed, or something is wrong that it reports.
 */
export async function listFromCache(
  o: ListOptions,
  cache: VerbDataCache,
): Promise<number | undefined> {
  let rows;
  let dir;
  try {
    const config = keptConfig(cache);
    if (config === undefined) return undefined;
    const { procedures, proceduresGivenBy } = proceduresSetting(o, config);
    if (proceduresGivenBy) checkProceduresDir(procedures, proceduresGivenBy);
    rows = await summarizeProcedures(
      await listProcedures(procedures),
      notKept,
      summaryStore(cache),
    );
    dir = procedures;
  } catch {
    // NotKept, or an error the verb reports in its own words.
    return undefined;
  }
  return printProcedureList(rows, o.json, dir);
}

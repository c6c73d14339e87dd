/**
 * `runbook list` answered from the verb's data cache alone, before its bundle loads: when every
 * procedure file, and the project's config file, has the content `list` last summarised, nothing
 * needs parsing, so neither the YAML parser, zod nor the actions are loaded. Anything else (a file
 * changed, no cache, an error to report) is left to the verb itself, which then fills the cache.
 * docs/design.md, "The CLI bundle".
 */
import { readFileSync } from 'node:fs';
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

/** The config file a command run here reads, and its content; null when there is none. */
export function readConfigFile(): { file: string; bytes: Buffer } | null {
  const file = configFileOf(process.cwd(), process.env);
  return file === null ? null : { file, bytes: readFileSync(file) };
}

/**
 * Keeps what `list` takes from the project's config (its procedures directory), keyed by the
 * config file's path and content: `read` is that file as it was before `config` was loaded from
 * it, and nothing is kept unless the file still holds the same bytes (so that the key is that of
 * the content `config` came from).
 */
export function rememberConfig(
  cache: VerbDataCache,
  read: { file: string; bytes: Buffer },
  config: ProjectConfig,
): void {
  const now = readConfigFile();
  if (now === null || now.file !== read.file || config.file !== read.file) return;
  if (!now.bytes.equals(read.bytes)) return;
  const entry = {
    format: CONFIG_FORMAT,
    key: fileKey(read.file, read.bytes),
    ...(config.procedures === undefined ? {} : { procedures: config.procedures }),
  };
  cache.write(CONFIG_ENTRY, JSON.stringify(entry));
}

/**
 * The project's config as far as `list` uses it: from the cache when its file has the content
 * {@link rememberConfig} kept; `{ file: null }` without a config file; undefined otherwise.
 */
function keptConfig(cache: VerbDataCache): Pick<ProjectConfig, 'file' | 'procedures'> | undefined {
  const current = readConfigFile();
  if (current === null) return { file: null };
  let entry: { format?: unknown; key?: unknown; procedures?: unknown };
  try {
    entry = JSON.parse(cache.read(CONFIG_ENTRY) ?? 'null') ?? {};
  } catch {
    return undefined;
  }
  if (entry.format !== CONFIG_FORMAT || entry.key !== fileKey(current.file, current.bytes)) {
    return undefined;
  }
  if (entry.procedures !== undefined && typeof entry.procedures !== 'string') return undefined;
  return {
    file: current.file,
    ...(entry.procedures === undefined ? {} : { procedures: entry.procedures }),
  };
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

import type * as Crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lazyBuiltin } from '../lazy-builtin.js';
import type { FoundProcedure, ProcedureOrigin } from './find-procedures.js';
import type { Requirements } from './types.js';

/** What `runbook list` shows of one procedure file. */
export interface ProcedureSummary {
  name: string;
  origin: ProcedureOrigin;
  file: string;
  description?: string;
  requires?: Requirements;
  /** Why the file is not a valid procedure (its problems, formatted), when it is not. */
  error?: string;
}

/** The part of a summary that follows from the file's path and content alone. */
export type DerivedSummary = Omit<ProcedureSummary, 'origin' | 'file'>;

/**
 * Derives the summary of one procedure file from its bytes (undefined when it could not be
 * read, the loader then saying why), or throws to give up on the whole list.
 */
export type SummarizeFile = (
  found: FoundProcedure,
  bytes: Buffer | undefined,
) => Promise<DerivedSummary>;

/**
 * Where summaries are kept between processes (the CLI's verb data cache): text this code wrote,
 * which no one else can have changed, but which may be from older file contents or cut short.
 */
export interface SummaryStore {
  read(): string | undefined;
  write(text: string): void;
}

const FORMAT = 'runbook-procedure-summaries-1';

/** Loaded on first use: the CLI's launcher holds this module (`list` answered from its cache). */
const crypto = lazyBuiltin<typeof Crypto>('node:crypto');

/** A file's path and content, hashed: what a summary (or anything derived from the file) is keyed by. */
export const fileKey = (file: string, bytes: Buffer): string =>
  crypto().createHash('sha256').update(file).update('\0').update(bytes).digest('hex');

/** True for a summary as a {@link SummarizeFile} makes them (a cut-short or foreign entry is not). */
function isDerived(value: unknown): value is DerivedSummary {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const optionalText = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  const requires = v.requires;
  return (
    typeof v.name === 'string' &&
    optionalText('description') &&
    optionalText('error') &&
    (requires === undefined || (typeof requires === 'object' && requires !== null))
  );
}

/** The summaries a store holds, by key; none when it holds nothing usable. */
function readStore(store: SummaryStore | undefined): Map<string, DerivedSummary> {
  const kept = new Map<string, DerivedSummary>();
  const text = store?.read();
  if (text === undefined) return kept;
  try {
    const parsed = JSON.parse(text) as { format?: unknown; summaries?: unknown };
    const summaries = parsed.summaries;
    if (parsed.format !== FORMAT || typeof summaries !== 'object' || summaries === null)
      return kept;
    for (const [key, value] of Object.entries(summaries))
      if (isDerived(value)) kept.set(key, value);
  } catch {
    // Unreadable: every file is summarised again.
  }
  return kept;
}

/**
 * Summarises each procedure file (its name, description and requirements, or why it is invalid)
 * with `summarize`. With a `store`, a file whose path and content are those of a summary kept
 * there is not summarised again, and the store is rewritten to hold exactly the summaries of
 * `procedures` when that changes it (not when `summarize` threw).
 */
export async function summarizeProcedures(
  procedures: readonly FoundProcedure[],
  summarize: SummarizeFile,
  store?: SummaryStore,
): Promise<ProcedureSummary[]> {
  const kept = readStore(store);
  const next = new Map<string, DerivedSummary>();
  const rows: ProcedureSummary[] = [];
  for (const found of procedures) {
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(found.file);
    } catch {
      // loadProcedure reports why it cannot be read; nothing is kept for it.
    }
    const key = bytes && fileKey(found.file, bytes);
    const derived = (key && kept.get(key)) || (await summarize(found, bytes));
    if (key) next.set(key, derived);
    const { name, description, requires, error } = derived;
    rows.push({
      name,
      origin: found.origin,
      file: found.file,
      ...(description === undefined ? {} : { description }),
      ...(requires === undefined ? {} : { requires }),
      ...(error === undefined ? {} : { error }),
    });
  }
  const unchanged = next.size === kept.size && [...next.keys()].every((k) => kept.has(k));
  if (store && !unchanged) {
    store.write(JSON.stringify({ format: FORMAT, summaries: Object.fromEntries(next) }));
  }
  return rows;
}

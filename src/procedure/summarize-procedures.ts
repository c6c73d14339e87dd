import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { formatProblem, InvalidInputError } from '../errors.js';
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
type Derived = Omit<ProcedureSummary, 'origin' | 'file'>;

/**
 * Where summaries are kept between processes (the CLI's verb data cache): text this code wrote,
 * which no one else can have changed, but which may be from older file contents or cut short.
 */
export interface SummaryStore {
  read(): string | undefined;
  write(text: string): void;
}

const FORMAT = 'runbook-procedure-summaries-1';

/** Path and content, hashed: what a summary is derived from. */
const keyOf = (file: string, bytes: Buffer): string =>
  createHash('sha256').update(file).update('\0').update(bytes).digest('hex');

/** True for a summary as {@link summarize} makes them (a cut-short or foreign entry is not). */
function isDerived(value: unknown): value is Derived {
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
function readStore(store: SummaryStore | undefined): Map<string, Derived> {
  const kept = new Map<string, Derived>();
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

/** Loads and validates one procedure (the parser and the actions load on first use). */
async function summarize(found: FoundProcedure, bytes: Buffer | undefined): Promise<Derived> {
  const { loadProcedure, procedureFromBytes } = await import('./load-procedure.js');
  try {
    const p = bytes ? procedureFromBytes(bytes, found.file) : await loadProcedure(found.file);
    return {
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
      requires: p.requires,
    };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return { name: found.name, error: err.problems.map(formatProblem).join('; ') };
  }
}

/**
 * Summarises each procedure file against the built-in actions: its name, description and
 * requirements, or why it is invalid. With a `store`, a file whose path and content are those of a
 * summary kept there is not parsed again, and the store is rewritten to hold exactly the
 * summaries of `procedures` when that changes it.
 */
export async function summarizeProcedures(
  procedures: readonly FoundProcedure[],
  store?: SummaryStore,
): Promise<ProcedureSummary[]> {
  const kept = readStore(store);
  const next = new Map<string, Derived>();
  const rows: ProcedureSummary[] = [];
  for (const found of procedures) {
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(found.file);
    } catch {
      // loadProcedure reports why it cannot be read; nothing is kept for it.
    }
    const key = bytes && keyOf(found.file, bytes);
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

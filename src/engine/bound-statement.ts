import { artifactRef } from '../runs/artifact-names.js';
import { createHash } from 'node:crypto';
import type { StepFailureRecord } from '../errors.js';

/**
 * Longest statement a failure record carries in full. A failing statement is copied into the
 * event log, run.json and the checkpoint (and printed by inspect and replay); a generated
 * multi-megabyte INSERT must not be stored three times, so past this size the record keeps an
 * excerpt and the full text is written once, as an artifact named by its hash.
 */
export const STATEMENT_EXCERPT_CHARS = 2000;

/**
 * An excerpt of at most about {@link STATEMENT_EXCERPT_CHARS} characters: around `focus` (the
 * 0-based character where the error points) when known, else the start and the end, with the
 * cuts marked `…`.
 */
export function statementExcerpt(text: string, focus?: number): string {
  const max = STATEMENT_EXCERPT_CHARS;
  if (text.length <= max) return text;
  const cut = (from: number, to: number): string => text.slice(from, to);
  if (focus !== undefined && focus >= 0 && focus < text.length) {
    const from = Math.max(0, Math.min(focus - max / 2, text.length - max));
    const to = from + max;
    return `${from > 0 ? '… ' : ''}${cut(from, to)}${to < text.length ? ' …' : ''}`;
  }
  const head = Math.floor((max * 3) / 4);
  return `${cut(0, head)} … ${cut(text.length - (max - head), text.length)}`;
}

/**
 * A failure whose statement is longer than {@link STATEMENT_EXCERPT_CHARS}: the full text is
 * handed to `keep` (which writes it once under the returned name) and the record gets an excerpt
 * plus `statementFull` saying where the rest is. Other failures are returned as they are.
 */
export async function boundFailureStatement(
  failure: StepFailureRecord,
  keep: (name: string, text: string) => Promise<void>,
): Promise<StepFailureRecord> {
  const full = failure.statement;
  if (full === undefined || full.length <= STATEMENT_EXCERPT_CHARS) return failure;
  const sha256 = createHash('sha256').update(full, 'utf8').digest('hex');
  const name = `statement-${sha256.slice(0, 16)}.sql`;
  const position = failure.data?.statement_position;
  const excerpt = statementExcerpt(full, typeof position === 'number' ? position - 1 : undefined);
  try {
    await keep(name, full);
  } catch {
    // The step's own failure matters more than the copy (e.g. the secret guard refused it).
    return { ...failure, statement: excerpt };
  }
  return {
    ...failure,
    statement: excerpt,
    statementFull: { artifact: artifactRef(name), sha256, bytes: Buffer.byteLength(full) },
  };
}

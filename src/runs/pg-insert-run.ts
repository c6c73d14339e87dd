import type pg from 'pg';
import { parseEntry } from './event-log-tail.js';
import { artifactSegments } from './run-dir-layout.js';
import { toJsonText, type RunRecord } from './run-record.js';
import { assertNoSecret } from './secret-guard.js';

/** What a new run is inserted with (the saved procedure source already among the artifacts). */
export interface NewRunRows {
  record: RunRecord;
  /** Whole, canonical log lines (each ending in `\n`), seq 1, 2, … */
  eventLog?: string;
  artifacts: Record<string, string>;
}

/**
 * Inserts a new run of the PostgreSQL run store with its first log lines and artifacts in one
 * transaction, so no reader ever sees the run without them. Everything is checked first (a
 * password anywhere: `SecretLeakError`; an artifact name leaving the run; a log line that is not
 * the next entry), so a refusal writes nothing. Throws when the run exists. `where(artifact?)`
 * names the run (or an artifact) in messages.
 */
export async function insertRun(
  pool: () => Promise<pg.Pool>,
  rows: NewRunRows,
  where: (artifact?: string) => string,
): Promise<void> {
  const { record, artifacts } = rows;
  const text = toJsonText(record);
  assertNoSecret(text, where('run.json'));
  const lines = initialLines(rows.eventLog, where());
  for (const [name, content] of Object.entries(artifacts)) {
    artifactSegments(name);
    assertNoSecret(content, where(name));
  }
  const client = await (await pool()).connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    const res = await client.query(
      `INSERT INTO runbook.runs (id, record, status, procedure, started_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [record.id, text, record.status, record.procedure, record.startedAt],
    );
    if (res.rowCount !== 1) throw new Error(`run ${record.id} already exists in ${where()}`);
    if (lines.length > 0) {
      await client.query(
        `INSERT INTO runbook.events (run_id, seq, line)
         SELECT $1, s, l FROM unnest($2::bigint[], $3::text[]) AS t(s, l)`,
        [record.id, lines.map((l) => l.seq), lines.map((l) => l.line)],
      );
    }
    for (const [name, content] of Object.entries(artifacts)) {
      await client.query(
        'INSERT INTO runbook.artifacts (run_id, name, content) VALUES ($1, $2, $3)',
        [record.id, name, Buffer.from(content, 'utf8')],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(failed);
  }
}

/** The lines of a new run's initial log, each with its seq; refuses a line that is not an entry. */
function initialLines(text: string | undefined, where: string): { seq: number; line: string }[] {
  if (text === undefined || text === '') return [];
  assertNoSecret(text, where);
  if (!text.endsWith('\n')) throw new Error(`the initial event log of ${where} does not end a line`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      const entry = parseEntry(line);
      if (!entry || entry.seq !== i + 1) {
        throw new Error(`the initial event log of ${where}: line ${i + 1} is not entry ${i + 1}`);
      }
      return { seq: entry.seq, line };
    });
}

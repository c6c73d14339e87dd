import { invalidHistory } from '../../revision-graph.js';

/** The header of an `alembic-sql` file, with the line each key was found on. */
export interface SqlHeader {
  revision: string;
  parents: string[];
  branchLabels: string[];
  dependsOn: string[];
  message?: string;
  transactional: boolean;
  lines: { revision: number; parents: number; dependsOn?: number };
}

const KEYS = new Set([
  'revision',
  'down_revision',
  'branch_labels',
  'depends_on',
  'message',
  'transaction',
]);

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0 && v !== 'None');
}

/**
 * Parses the leading `-- key: value` comments of an alembic-sql file (docs/design.md "Layouts", `alembic-sql`). The header ends
 * at the first line that is neither blank nor a comment. `revision` and `down_revision` are
 * required (`down_revision` empty = base; comma-separated = merge). Throws `INVALID_MIGRATIONS`
 * naming `file:line`.
 */
export function parseSqlHeader(file: string, text: string): SqlHeader {
  const found = new Map<string, { value: string; line: number }>();
  const lines = text.split('\n');
  let end = lines.length + 1;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) {
      end = i + 1;
      break;
    }
    const m = /^--\s*([a-z_]+)\s*:(.*)$/i.exec(line);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    if (!KEYS.has(key)) continue;
    if (found.has(key)) throw invalidHistory(`header key "${key}" given twice`, file, i + 1);
    found.set(key, { value: (m[2] as string).trim(), line: i + 1 });
  }
  const revision = found.get('revision');
  if (!revision || revision.value === '') {
    throw invalidHistory('missing header "-- revision: <id>"', file, revision?.line ?? end);
  }
  const down = found.get('down_revision');
  if (!down) {
    throw invalidHistory(
      'missing header "-- down_revision: <parent>" (leave it empty for a base revision)',
      file,
      end,
    );
  }
  const transaction = found.get('transaction');
  let transactional = true;
  if (transaction) {
    const v = transaction.value.toLowerCase();
    if (v === 'false' || v === 'no' || v === 'off') transactional = false;
    else if (v !== 'true' && v !== 'yes' && v !== 'on') {
      throw invalidHistory(`"transaction" must be true or false`, file, transaction.line);
    }
  }
  const depends = found.get('depends_on');
  const message = found.get('message')?.value;
  return {
    revision: revision.value,
    parents: list(down.value),
    branchLabels: list(found.get('branch_labels')?.value ?? ''),
    dependsOn: list(depends?.value ?? ''),
    ...(message ? { message } : {}),
    transactional,
    lines: {
      revision: revision.line,
      parents: down.line,
      ...(depends ? { dependsOn: depends.line } : {}),
    },
  };
}

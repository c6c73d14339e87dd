import type { JsonObject, JsonValue } from '../json.js';
import type { StoredRun } from '../runs/run-store.js';
import { flag, list, num, obj, str } from './json-fields.js';

/** One checked expectation of a `schema.expect` step (artifact `expectations-<step>.json`). */
export interface ExpectationResult {
  kind: string;
  subject: string;
  pass: boolean;
  expected: JsonValue;
  actual: JsonValue;
}

/** The expectation table a `schema.expect` step left. */
export interface ExpectationArtifact {
  step: string;
  database: string | null;
  results: ExpectationResult[];
}

/** One differing object of a schema diff. */
export interface DiffObjectRow {
  kind: string;
  name: string;
  status: string;
  /** One line per change (`column x: type int → bigint`). */
  changes: string[];
}

/** The structural diff a `schema.diff` step left (artifacts `schema-diff-<step>.json/.txt`). */
export interface SchemaDiffArtifact {
  step: string;
  equal: boolean;
  left: string;
  right: string;
  differences: number | null;
  objects: DiffObjectRow[];
  /** The readable rendering the step wrote, when present. */
  text: string | null;
}

/** A text summary artifact (`<label>-summary.txt`, `two-path-report.txt`). */
export interface TextArtifact {
  name: string;
  text: string;
}

/** What a report shows from a run's `artifacts/` directory. */
export interface RunArtifacts {
  expectations: ExpectationArtifact[];
  diffs: SchemaDiffArtifact[];
  summaries: TextArtifact[];
  /** Every artifact name present, for the reviewer's reference. */
  files: string[];
}

async function readJson(run: StoredRun, name: string): Promise<JsonObject | null> {
  try {
    const text = await run.store.findArtifact(run.id, name);
    return text === undefined ? null : obj(JSON.parse(text) as JsonValue);
  } catch {
    return null;
  }
}

async function readText(run: StoredRun, name: string): Promise<string | null> {
  return (await run.store.findArtifact(run.id, name).catch(() => undefined)) ?? null;
}

const show = (v: JsonValue | undefined): string =>
  v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v);

function diffRow(value: JsonValue): DiffObjectRow {
  const o = obj(value);
  return {
    kind: str(o, 'kind') ?? '?',
    name: str(o, 'name') ?? '?',
    status: str(o, 'status') ?? '?',
    changes: list(o, 'changes').map((c) => {
      const ch = obj(c);
      const what = [str(ch, 'part'), str(ch, 'name')].filter((x) => x && x !== 'property');
      const field = str(ch, 'field');
      const status = str(ch, 'status') ?? '?';
      return status === 'changed'
        ? `${[...what, field].filter(Boolean).join(' ')}: ${show(ch.left)} → ${show(ch.right)}`
        : `${what.join(' ')}: ${status === 'only-left' ? 'only on the left' : 'only on the right'}`;
    }),
  };
}

/**
 * Reads the artifacts a report shows: expectation tables (`expectations-<step>.json`), schema
 * diffs (`schema-diff-<step>.json` with its `.txt`), and text summaries (`*-summary.txt`,
 * `*-report.txt`). Unreadable or malformed files are left out, never fatal: the log is the record.
 */
export async function readRunArtifacts(run: StoredRun): Promise<RunArtifacts> {
  const files = await run.store.listArtifacts(run.id).catch(() => [] as string[]);
  const out: RunArtifacts = { expectations: [], diffs: [], summaries: [], files };
  for (const name of files) {
    let m: RegExpExecArray | null;
    if ((m = /^expectations-(.+)\.json$/.exec(name))) {
      const o = await readJson(run, name);
      if (!o) continue;
      out.expectations.push({
        step: m[1]!,
        database: str(o, 'database'),
        results: list(o, 'results').map((r) => {
          const x = obj(r);
          return {
            kind: str(x, 'kind') ?? '?',
            subject: str(x, 'subject') ?? '?',
            pass: flag(x, 'pass'),
            expected: x.expected ?? null,
            actual: x.actual ?? null,
          };
        }),
      });
    } else if ((m = /^schema-diff-(.+)\.json$/.exec(name))) {
      const o = await readJson(run, name);
      if (!o) continue;
      out.diffs.push({
        step: m[1]!,
        equal: flag(o, 'equal'),
        left: str(o, 'left') ?? 'left',
        right: str(o, 'right') ?? 'right',
        differences: num(obj(o.summary), 'differences'),
        objects: list(o, 'objects').map(diffRow),
        text: await readText(run, `schema-diff-${m[1]}.txt`),
      });
    } else if (/-(summary|report)\.txt$/.test(name)) {
      const text = await readText(run, name);
      if (text !== null) out.summaries.push({ name, text });
    }
  }
  return out;
}

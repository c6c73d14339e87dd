import path from 'node:path';
import { StepError, type InputProblem } from '../errors.js';
import { loadMigrationSource, resolveTarget, RevisionGraph } from '../migrations/index.js';
import type { MigrationLayout } from '../migrations/types.js';
import type { PreflightContext } from './types.js';
import {
  nulByteProblems,
  relativeTargetProblems,
  revisionIdProblems,
} from './migration-file-checks.js';

/** A history listed by one step's preflight, for the others naming it. */
interface Listed {
  graph: RevisionGraph;
  /** Problems of its files (revision ids, NUL bytes), already reported. */
  fileProblems: InputProblem[];
}

/**
 * The preflight of every migration action: the folder must hold one layout, every header must
 * parse, revision ids must be unique and fit the version table, parents must exist and the graph
 * must have no cycle, SQL files must hold no NUL byte; named targets (not `head`/`heads`/`base`)
 * must resolve and `+N` must not exceed the history. Problems name the file and line.
 */
export async function migrationSourceProblems(
  params: { source: string; layout?: MigrationLayout | undefined; targets?: string[] },
  ctx: PreflightContext,
): Promise<InputProblem[]> {
  try {
    const dir = path.resolve(ctx.cwd, params.source);
    // Several steps of a run usually name the same history: list it once.
    const key = `migrations\0${dir}\0${params.layout ?? 'auto'}`;
    let listed = ctx.memo.get(key) as Listed | undefined;
    if (!listed) {
      const source = await loadMigrationSource(dir, params.layout);
      const graph = new RevisionGraph(await source.list());
      // Reported once per history, however many steps name it.
      const fileProblems = [
        ...revisionIdProblems(source.layout, graph),
        ...(source.external ? [] : nulByteProblems(graph)),
      ];
      listed = { graph, fileProblems };
      ctx.memo.set(key, listed);
      if (fileProblems.length > 0) return fileProblems;
    }
    const graph = listed.graph;
    const targets = params.targets ?? [];
    const relative = relativeTargetProblems(targets, graph);
    if (relative.length > 0)
      return relative.map((message) => ({ message: `migrations: ${message}` }));
    for (const t of targets) {
      if (/^\+\d+$/.test(t.trim()) || t === 'base') continue;
      resolveTarget(graph, t);
    }
    return [];
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    const { file, line } = err.fields;
    // The position carries file:line; do not say it twice in the message.
    const where = file ? `${file}${line ? `:${line}` : ''}: ` : '';
    const message =
      where && err.message.startsWith(where) ? err.message.slice(where.length) : err.message;
    return [
      {
        message: `migrations: ${message}`,
        ...(file ? { position: { file, line: line ?? 1, column: 1 } } : {}),
        ...(err.fields.hint ? { hint: err.fields.hint } : {}),
      },
    ];
  }
}

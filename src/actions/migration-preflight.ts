import path from 'node:path';
import type { InputProblem } from '../errors.js';
import { StepError } from '../engine/step-failure.js';
import { loadMigrationSource, resolveTarget, RevisionGraph } from '../migrations/index.js';
import type { MigrationLayout } from '../migrations/types.js';
import type { PreflightContext } from './types.js';

/**
 * The preflight of every migration action: the folder must hold one layout, every header must
 * parse, revision ids must be unique, parents must exist and the graph must have no cycle; named
 * targets (not `head`/`heads`/`+N`/`base`) must resolve. Problems name the file and line.
 */
export async function migrationSourceProblems(
  params: { source: string; layout?: MigrationLayout | undefined; targets?: string[] },
  ctx: PreflightContext,
): Promise<InputProblem[]> {
  try {
    const dir = path.resolve(ctx.cwd, params.source);
    // Several steps of a run usually name the same history: list it once.
    const key = `migrations\0${dir}\0${params.layout ?? 'auto'}`;
    let graph = ctx.memo.get(key) as RevisionGraph | undefined;
    if (!graph) {
      const source = await loadMigrationSource(dir, params.layout);
      graph = new RevisionGraph(await source.list());
      ctx.memo.set(key, graph);
    }
    for (const t of params.targets ?? []) {
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

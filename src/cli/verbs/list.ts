import { formatProblem, InvalidInputError } from '../../errors.js';
import { listProcedures } from '../../procedure/find-procedures.js';
import { summarizeProcedures, type SummarizeFile } from '../../procedure/summarize-procedures.js';
import { rememberConfig, summaryStore, type ListOptions } from '../list-from-cache.js';
import { printProcedureList } from '../print-procedure-list.js';
import { projectSettings } from '../project-settings.js';
import type { VerbContext } from '../verb.js';

/** Loads and validates one procedure (the parser and the actions load on first use). */
const summarizeFile: SummarizeFile = async (found, bytes) => {
  const { loadProcedure, procedureFromBytes } = await import('../../procedure/load-procedure.js');
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
};

/**
 * `runbook list`: every procedure visible from the project (its own, then the built-in ones it
 * does not shadow) with where it came from and its description; exit 2 when one is invalid. The
 * summaries of files unchanged since the last `list`, and the procedures directory the config
 * names, are kept in the verb's data cache, from which the CLI answers the next `list` when
 * nothing changed (../list-from-cache.ts).
 */
export async function run(_args: string[], o: ListOptions, ctx?: VerbContext): Promise<number> {
  const cache = ctx?.cache;
  const { config, source, settings } = await projectSettings(o, { procedures: true });
  const found = await listProcedures(settings.procedures);
  const rows = await summarizeProcedures(found, summarizeFile, cache && summaryStore(cache));
  if (cache && source) rememberConfig(cache, source, config);
  return printProcedureList(rows, o.json, settings.procedures);
}

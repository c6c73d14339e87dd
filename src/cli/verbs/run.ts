import { actions } from '../../actions/index.js';
import { runProcedure } from '../../engine/run-procedure.js';
import { resolveProcedure } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import { paramsWithConfig } from '../../project/config-params.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flag-values.js';
import { commandLine } from '../command-line.js';
import { storeHint, withRunStore } from '../../runs/open-run-store.js';
import { printRunResult } from '../print-run-result.js';
import { projectSettings } from '../project-settings.js';
import { storeSpecFrom } from '../store-spec.js';
import type { VerbContext } from '../verb.js';
import { InvalidInputError } from '../../errors.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { plannedSqlText } from './planned-sql-text.js';

/** Flags of `runbook run`. */
export interface RunFlags extends AuthorityFlagValues {
  procedures?: string;
  runsDir?: string;
  store?: string;
  databaseUrl?: string;
  json?: boolean;
  dryRun?: boolean;
  sql?: boolean;
  param?: Record<string, string>;
}

/**
 * `runbook run <procedure>`: the procedure from the project, else the built-in one; params from
 * `--param`, then the config's defaults for it. 0 succeeded, 1 failed (resumable), 2 invalid
 * input, 3 refused.
 */
export async function run([name]: string[], o: RunFlags, ctx: VerbContext): Promise<number> {
  const { settings, config } = await projectSettings(o, { procedures: true });
  const { file } = await resolveProcedure(name!, settings.procedures);
  const params = paramsWithConfig(await loadProcedure(file, { actions }), config, o.param ?? {});
  const authority = authorityFlags({
    ...o,
    ...(settings.authorityHosts !== undefined ? { authorityHosts: settings.authorityHosts } : {}),
  });
  const databaseUrl = settings.databaseUrl;
  if (o.sql && !o.dryRun) {
    throw new InvalidInputError([{ path: '--sql', message: '--sql applies to --dry-run only' }]);
  }
  if (o.dryRun) {
    const { planProcedure } = await import('../../engine/plan-procedure.js');
    const plan = await planProcedure({
      procedure: file,
      params,
      actions,
      databaseUrl,
      authority,
      ...(o.sql ? { sql: true } : {}),
    });
    if (o.json)
      process.stdout.write(JSON.stringify({ ok: true, dryRun: true, plan }, null, 2) + '\n');
    else if (o.sql) {
      // Redirected to a file it is a script, kept byte for byte; on a terminal, data made visible.
      const text = plannedSqlText(plan);
      process.stdout.write(process.stdout.isTTY ? terminalSafe(text) : text);
    }
    return 0;
  }
  let hint = '';
  const result = await withRunStore(storeSpecFrom(o, settings, config), 'write', (opened) => {
    hint = storeHint(opened);
    return runProcedure({
      procedure: file,
      actions,
      params,
      ...(databaseUrl ? { databaseUrl } : {}),
      runsDir: settings.runs,
      store: opened.store,
      authority,
      command: commandLine(ctx.argv),
    });
  });
  if (result.exitCode !== 0 && hint) process.stderr.write(`  ${hint}\n`);
  if (o.json) printRunResult(result);
  return result.exitCode;
}

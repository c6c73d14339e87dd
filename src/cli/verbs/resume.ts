import { actions } from '../../actions/index.js';
import { resumeRun } from '../../engine/resume-run.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flag-values.js';
import { commandLine } from '../command-line.js';
import { storeHint, withRunStore } from '../../runs/open-run-store.js';
import { printRunResult } from '../print-run-result.js';
import { projectSettings } from '../project-settings.js';
import { storeSpecFrom } from '../store-spec.js';
import type { VerbContext } from '../verb.js';

/** Flags of `runbook resume`. */
export interface ResumeFlags extends AuthorityFlagValues {
  runsDir?: string;
  store?: string;
  databaseUrl?: string;
  json?: boolean;
  retry?: boolean;
  skip?: string;
  allowChanged?: boolean;
  allowProcedureChange?: boolean;
  note?: string;
  breakLock?: boolean;
  param?: Record<string, string>;
}

/**
 * `runbook resume <run-id> [--retry|--skip <step>] [--allow-changed] [--note <text>]
 * [--break-lock]`.
 */
export async function run([id]: string[], o: ResumeFlags, ctx: VerbContext): Promise<number> {
  const { settings, config } = await projectSettings(o);
  let hint = '';
  const result = await withRunStore(storeSpecFrom(o, settings, config), 'write', (opened) => {
    hint = storeHint(opened);
    return resumeRun({
      actions,
      run: id!,
      runsDir: settings.runs,
      store: opened.store,
      ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
      ...(o.retry ? { retry: true } : {}),
      ...(o.skip ? { skip: o.skip } : {}),
      allowChanged: Boolean(o.allowChanged),
      allowProcedureChange: Boolean(o.allowProcedureChange),
      ...(o.note !== undefined ? { note: o.note } : {}),
      breakLock: Boolean(o.breakLock),
      params: o.param ?? {},
      authority: authorityFlags({
        ...o,
        ...(settings.authorityHosts !== undefined
          ? { authorityHosts: settings.authorityHosts }
          : {}),
      }),
      command: commandLine(ctx.argv),
    });
  });
  if (result.exitCode !== 0 && hint) process.stderr.write(`  ${hint}\n`);
  if (o.json) printRunResult(result);
  return result.exitCode;
}

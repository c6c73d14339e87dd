import { resumeRun } from '../../engine/resume-run.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flags.js';

/** `runbook resume <run-id> [--retry|--skip <step>] [--allow-changed]`. */
export async function resumeVerb(
  id: string,
  o: {
    runsDir: string;
    databaseUrl?: string;
    json?: boolean;
    retry?: boolean;
    skip?: string;
    allowChanged?: boolean;
    allowProcedureChange?: boolean;
    param: Record<string, string>;
  } & AuthorityFlagValues,
  argv: string[],
): Promise<number> {
  const result = await resumeRun({
    run: id,
    runsDir: o.runsDir,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(o.retry ? { retry: true } : {}),
    ...(o.skip ? { skip: o.skip } : {}),
    allowChanged: Boolean(o.allowChanged),
    allowProcedureChange: Boolean(o.allowProcedureChange),
    params: o.param,
    authority: authorityFlags(o),
    command: `runbook ${argv.join(' ')}`,
  });
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: result.status === 'succeeded',
          exitCode: result.exitCode,
          runId: result.runId,
          status: result.status,
          failures: result.failures,
          checklist: result.checklist,
        },
        null,
        2,
      ) + '\n',
    );
  }
  return result.exitCode;
}

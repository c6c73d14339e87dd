import { resumeRun } from '../../engine/resume-run.js';

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
    confirmProd?: boolean;
    param: Record<string, string>;
    authority?: string;
    role?: string;
    dbEnv?: string;
  },
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
    authority: {
      ...(o.authority ? { authority: o.authority } : {}),
      ...(o.role ? { role: o.role } : {}),
      ...(o.dbEnv ? { env: o.dbEnv } : {}),
      ...(o.confirmProd ? { confirmProd: true } : {}),
    },
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

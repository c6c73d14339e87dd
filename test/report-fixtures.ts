import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The repository root; the CLI tests run the built binary (`npm run build`, done by `pretest`). */
export const REPO = path.resolve(import.meta.dirname, '..');

/** What one CLI invocation left. */
export interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A temp directory with `procedures/`, a copy of the nova `before` history and a CLI bound to it. */
export interface ReportWorkspace {
  dir: string;
  runsDir: string;
  /** The copy of examples/nova/before (editable: changing an applied file is part of a scenario). */
  history: string;
  cli(args: string[], env?: Record<string, string>): Promise<Cli>;
  /** The newest run's id. */
  lastRun(): Promise<string>;
  dispose(): Promise<void>;
}

/** Creates a {@link ReportWorkspace} whose procedures use scratch databases named `<prefix>_…`. */
export async function createReportWorkspace(
  adminUrl: string,
  procedures: Record<string, string>,
): Promise<ReportWorkspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'runbook-report-'));
  await mkdir(path.join(dir, 'procedures'));
  const history = path.join(dir, 'nova-before');
  await cp(path.join(REPO, 'examples', 'nova', 'before'), history, { recursive: true });
  for (const [name, text] of Object.entries(procedures)) {
    await writeFile(path.join(dir, 'procedures', `${name}.yaml`), text);
  }
  const runsDir = path.join(dir, 'runs');
  return {
    dir,
    runsDir,
    history,
    cli(args, env = {}) {
      return new Promise((resolve, reject) => {
        const childEnv: NodeJS.ProcessEnv = { ...process.env };
        for (const k of Object.keys(childEnv))
          if (k.startsWith('RUNBOOK_') || k.startsWith('DB_') || k === 'DATABASE_URL')
            delete childEnv[k];
        Object.assign(childEnv, {
          DB_AUTHORITY: 'local',
          DB_ROLE: 'staging',
          NO_COLOR: '1',
          DATABASE_URL: adminUrl,
          RUNBOOK_EMBEDDED_DIR: path.join(dir, '.runbook', 'postgres'),
          ...env,
        });
        const child = spawn(process.execPath, [path.join(REPO, 'bin', 'runbook.cjs'), ...args], {
          cwd: dir,
          env: childEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    async lastRun() {
      const ids = (await readdir(runsDir)).filter((f) => !f.startsWith('.')).sort();
      return ids[ids.length - 1]!;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A procedure migrating a scratch database with the (defective) nova `before` history: it stops at
 * 065 (`relation "runs" does not exist`). Its description and a step description carry markup, so
 * the report's escaping is exercised by every run of it.
 */
export function novaBeforeProcedure(database: string, history: string): string {
  return `
procedure: nova-before
description: "Rebuild <script>alert('desc')</script> from the before history & check"
requires: { authority: local, role: staging }
params:
  database: { type: string, default: ${database} }
  migrations: { type: path, default: ${JSON.stringify(history)} }
steps:
  - id: recreate
    description: "Drop <b>and</b> recreate"
    do: database.recreate
    with: { name: "\${{ params.database }}", terminate_connections: true }
  - id: migrate
    description: "<script>alert('step')</script>"
    do: migrations.upgrade
    with: { source: "\${{ params.migrations }}", target: head, database: "\${{ params.database }}" }
  - id: verify
    do: schema.expect
    with: { database: "\${{ params.database }}", tables: { public: 136 } }
finally:
  - id: cleanup
    do: sql.exec
    with: { sql: "select 1" }
checklist:
  - { item: "DB recreated", step: recreate }
  - { item: "Migrations ran", step: migrate }
  - { item: "Tables verified", step: verify }
`;
}

/** A procedure that succeeds: recreate, a parallel block (migrate to 040 | a probe), verify, drop. */
export function succeedingProcedure(database: string): string {
  const after = JSON.stringify(path.join(REPO, 'examples', 'nova', 'after'));
  return `
procedure: parallel-ok
description: A succeeding run with a parallel block
requires: { authority: local, role: staging }
params:
  # The run's advisory lock is taken on this database, not on the shared maintenance database.
  database: { type: string, default: ${database} }
steps:
  - id: recreate
    do: database.recreate
    with: { name: ${database}, terminate_connections: true }
  - id: both
    parallel:
      - id: left
        steps:
          - id: migrate
            do: migrations.upgrade
            with: { source: ${after}, target: "040_pattern_feedback", database: ${database} }
      - id: right
        steps:
          - id: probe
            do: sql.exec
            with: { sql: "select pg_sleep(0.1)" }
  - id: verify
    do: schema.expect
    with: { database: ${database}, version: "040_pattern_feedback", source: ${after} }
finally:
  - id: drop
    do: database.drop
    with: { name: ${database}, terminate_connections: true }
checklist:
  - { item: "Migrated to 040", step: migrate }
  - { item: "Version verified", step: verify }
`;
}

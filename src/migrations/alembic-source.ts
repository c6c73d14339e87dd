import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../engine/step-failure.js';
import { AlembicBridge, type BridgeRevision } from './alembic-bridge.js';
import { AlembicVersionTable } from './alembic-version-table.js';
import { readWithChecksum } from './files.js';
import type { Migration, MigrationSource } from './types.js';

/**
 * The `alembic` layout: a real Alembic project given by its alembic.ini (or the directory holding
 * it). Revisions are listed by the Python bridge (Alembic's own ScriptDirectory); migrations run
 * through the bridge too (see run-migrations.ts), so `upgradeSql` is unavailable.
 */
export function alembicSource(dirOrIni: string): MigrationSource & { ini: string } {
  const resolved = path.resolve(dirOrIni);
  const ini =
    existsSync(resolved) && statSync(resolved).isFile()
      ? resolved
      : path.join(resolved, 'alembic.ini');
  return {
    layout: 'alembic',
    dir: path.dirname(ini),
    ini,
    external: true,
    versionTable: new AlembicVersionTable(),
    async list(): Promise<Migration[]> {
      if (!existsSync(ini)) throw new StepError('MIGRATION_SOURCE', `${ini} does not exist`);
      const bridge = AlembicBridge.start(ini);
      try {
        const res = await bridge.request({ cmd: 'list' });
        if (res.ok !== true) {
          const err = res.error as { message?: string } | undefined;
          throw new StepError(
            'ALEMBIC_BRIDGE',
            `alembic could not list revisions: ${err?.message ?? ''}`,
            {
              detail: bridge.log.trim(),
            },
          );
        }
        // walk_revisions goes heads → base; declared order is the reverse, ties by file path.
        const revs = [...(res.revisions as unknown as BridgeRevision[])].reverse();
        return Promise.all(
          revs.map(async (r) => ({
            revision: r.revision,
            parents: r.down_revisions,
            branchLabels: r.branch_labels,
            dependsOn: r.depends_on,
            ...(r.message ? { message: r.message } : {}),
            transactional: true,
            file: r.path,
            checksum: (await readWithChecksum(r.path)).checksum,
          })),
        );
      } finally {
        await bridge.close();
      }
    },
    async upgradeSql(m: Migration): Promise<string> {
      throw new StepError(
        'MIGRATION_SOURCE',
        `${m.file} is a Python migration: it runs through Alembic`,
      );
    },
  };
}

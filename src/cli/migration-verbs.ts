import type { Command } from 'commander';

/**
 * Registers the migration-folder verbs (`status`, `history`, `new`) on `program`; `done` receives
 * each verb's exit code. Their contracts: docs/design.md "Migration folder verbs".
 */
export function addMigrationVerbs(program: Command, done: (code: number) => void): void {
  const folder = (cmd: Command): Command =>
    cmd
      .option('--migrations <dir>', 'migration folder', 'migrations')
      .option(
        '--layout <layout>',
        'alembic-sql, alembic, golang-migrate, diesel, prisma or dbmate (default: detected)',
      )
      .option('--json', 'print one result object on stdout');

  folder(program.command('status'))
    .description(
      'read-only: applied, pending, changed, unknown and in-doubt migrations of a database (exit 1 unless up to date)',
    )
    .option('--database <name>', 'database to read (default: the one the URL names)')
    .option(
      '--database-url <url>',
      'server URL; default DATABASE_URL, else the embedded server when it exists',
    )
    .option('--runs-dir <dir>', 'runs whose recorded checksums are compared', 'runs')
    .action(async (o) => {
      const { statusVerb } = await import('./verbs/status.js');
      done(await statusVerb(o));
    });

  folder(program.command('history'))
    .description('offline: the migration graph (bases, branches, merges, heads) in upgrade order')
    .action(async (o) => {
      const { historyVerb } = await import('./verbs/history.js');
      done(await historyVerb(o));
    });

  folder(program.command('new <name>'))
    .description("write the next migration file for the folder's layout; prints its path")
    .action(async (name: string, o) => {
      const { newVerb } = await import('./verbs/new.js');
      done(await newVerb(name, o));
    });
}

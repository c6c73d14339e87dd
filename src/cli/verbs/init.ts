import { initProject, MIGRATION_FOLDERS } from '../../project/init-project.js';
import { terminalSafe } from '../../text/terminal-text.js';

/**
 * `runbook init`: sets up the project in the working directory (config, an example procedure,
 * .gitignore entries), says what it wrote and what it left alone, and prints the next command.
 */
export async function run(
  _args: string[],
  o: { migrations?: string; database?: string },
): Promise<number> {
  const result = await initProject(process.cwd(), o);
  const lines: string[] = [];
  const m = result.migrations;
  lines.push(
    m
      ? `found ${m.layout} migrations in ${m.dir}${m.count !== undefined ? ` (${m.count})` : ''}`
      : `no migration folder found (looked in ${MIGRATION_FOLDERS.join(', ')}; --migrations DIR names one)`,
  );
  for (const file of result.written) lines.push(`wrote    ${file}`);
  for (const s of result.skipped) lines.push(`skipped  ${s.file}: ${s.reason}`);
  lines.push('', 'next:', `  ${result.next}`);
  if (m) {
    lines.push(
      `  upgrades database "${result.database}" with ${m.dir} (the built-in \`upgrade\`);`,
    );
    lines.push(`  ${result.example} drops and rebuilds it: \`npx runbook show rebuild-local\``);
  }
  process.stdout.write(terminalSafe(lines.join('\n')) + '\n');
  return 0;
}

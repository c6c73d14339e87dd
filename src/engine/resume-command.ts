import type { RunRecord } from '../runs/run-store.js';

/**
 * The exact command that continues a run. A run against a server given by URL needs the URL again
 * (passwords are never stored): the command shows it without the password, to be completed by the
 * operator or by PGPASSWORD.
 */
export function resumeCommand(record: RunRecord, extra = ''): string {
  const t = record.target;
  const url =
    record.server === 'url'
      ? ` --database-url 'postgresql://${t.user ? `${encodeURIComponent(t.user)}@` : ''}${t.host}:${t.port}/${encodeURIComponent(t.database)}'`
      : '';
  return `runbook resume ${record.id}${extra}${url}`;
}

import pg from 'pg';
import { diffCatalogs } from '../../src/catalog/diff-catalogs.js';
import { formatDiff } from '../../src/catalog/format-diff.js';
import { snapshotCatalog } from '../../src/catalog/snapshot-catalog.js';
import { withDatabase } from '../../src/postgres/url.js';

/** The structural difference between two databases on one server ('' when identical). */
export async function schemaDifference(
  serverUrl: string,
  left: string,
  right: string,
): Promise<string> {
  const pools = [left, right].map(
    (db) => new pg.Pool({ connectionString: withDatabase(serverUrl, db), max: 4 }),
  );
  try {
    const [a, b] = await Promise.all(pools.map((p) => snapshotCatalog(p)));
    const diff = diffCatalogs(a!, b!);
    // Roles are cluster-wide, not part of either database, and other suites create and drop
    // theirs concurrently: they are no evidence about these two databases.
    const objects = diff.objects.filter((o) => o.kind !== 'role');
    return objects.length === 0 ? '' : formatDiff({ ...diff, equal: false, objects });
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
}

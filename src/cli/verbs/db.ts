import { connectableDatabaseName } from '../../actions/database-name.js';
import { InvalidInputError } from '../../errors.js';
import { withDatabase } from '../../postgres/url.js';
import {
  embeddedServerUrl,
  ensureEmbeddedServer,
  stopEmbeddedServer,
} from '../../postgres/embedded.js';

/**
 * `runbook db start|stop|url`: the embedded PostgreSQL. `url --database NAME` prints the URL of
 * that database on it (the server's URL names its maintenance database, `postgres`).
 */
export async function dbVerb(
  action: string,
  flags: { dir: string; database?: string },
): Promise<number> {
  if (flags.database !== undefined && action !== 'url') {
    throw new InvalidInputError([
      { path: '--database', message: `--database applies to \`db url\`, not \`db ${action}\`` },
    ]);
  }
  if (flags.database !== undefined) {
    const checked = connectableDatabaseName.safeParse(flags.database);
    if (!checked.success) {
      throw new InvalidInputError(
        checked.error.issues.map((i) => ({ path: '--database', message: i.message })),
      );
    }
  }
  if (action === 'start') {
    const s = await ensureEmbeddedServer(flags.dir, { persistent: true });
    process.stderr.write(
      `${s.startedHere ? 'started' : 'already running'}: embedded PostgreSQL (data ${s.dataDir})\n`,
    );
    process.stdout.write(s.url + '\n');
    return 0;
  }
  if (action === 'stop') {
    const stopped = await stopEmbeddedServer(flags.dir);
    process.stderr.write(stopped ? 'stopped\n' : 'not running\n');
    return 0;
  }
  if (action === 'url') {
    const url = await embeddedServerUrl(flags.dir);
    if (!url) {
      process.stderr.write('the embedded server is not running: `runbook db start`\n');
      return 1;
    }
    process.stdout.write(
      (flags.database === undefined ? url : withDatabase(url, flags.database)) + '\n',
    );
    return 0;
  }
  throw new InvalidInputError([
    { message: `unknown db action "${action}"`, path: 'db', hint: 'start, stop or url' },
  ]);
}

import { embeddedServerDir } from '../../postgres/embedded.js';
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
export async function run(
  [action]: string[],
  flags: { dir?: string; database?: string },
): Promise<number> {
  // The same directory `run` and `resume` use when they start the embedded server.
  const o = { ...flags, dir: flags.dir ?? embeddedServerDir() };
  if (o.database !== undefined && action !== 'url') {
    throw new InvalidInputError([
      { path: '--database', message: `--database applies to \`db url\`, not \`db ${action}\`` },
    ]);
  }
  if (o.database !== undefined) {
    const checked = connectableDatabaseName.safeParse(o.database);
    if (!checked.success) {
      throw new InvalidInputError(
        checked.error.issues.map((i) => ({ path: '--database', message: i.message })),
      );
    }
  }
  if (action === 'start') {
    const s = await ensureEmbeddedServer(o.dir, { persistent: true });
    process.stderr.write(
      `${s.startedHere ? 'started' : 'already running'}: embedded PostgreSQL (data ${s.dataDir})\n`,
    );
    process.stdout.write(s.url + '\n');
    return 0;
  }
  if (action === 'stop') {
    const stopped = await stopEmbeddedServer(o.dir);
    process.stderr.write(stopped ? 'stopped\n' : 'not running\n');
    return 0;
  }
  if (action === 'url') {
    const url = await embeddedServerUrl(o.dir);
    if (!url) {
      process.stderr.write('the embedded server is not running: `runbook db start`\n');
      return 1;
    }
    process.stdout.write((o.database === undefined ? url : withDatabase(url, o.database)) + '\n');
    return 0;
  }
  throw new InvalidInputError([
    { message: `unknown db action "${action}"`, path: 'db', hint: 'start, stop or url' },
  ]);
}

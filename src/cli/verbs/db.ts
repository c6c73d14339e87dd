import { InvalidInputError } from '../../errors.js';
import {
  embeddedServerUrl,
  ensureEmbeddedServer,
  stopEmbeddedServer,
} from '../../postgres/embedded.js';

/** `runbook db start|stop|url`: the embedded PostgreSQL. */
export async function dbVerb(action: string, o: { dir: string }): Promise<number> {
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
    process.stdout.write(url + '\n');
    return 0;
  }
  throw new InvalidInputError([
    { message: `unknown db action "${action}"`, path: 'db', hint: 'start, stop or url' },
  ]);
}

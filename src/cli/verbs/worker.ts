import { positiveInteger } from '../positive-integer.js';
import { storeSpec } from '../store-spec.js';
import { fleetStoreUrl } from '../../fleet/fleet-store-url.js';
import { startWorker } from '../../fleet/run-worker.js';

/** Default seconds before a silent worker's job goes to another worker (docs/design.md "Workers"). */
const DEFAULT_LOCK_TIMEOUT = 60;

/**
 * `runbook worker [--concurrency N] [--lock-timeout S]`: takes fleet target jobs from the store's
 * queue until SIGINT or SIGTERM (running jobs finish first); exit 0.
 */
export async function workerVerb(o: {
  store?: string;
  configStore?: string;
  concurrency?: string;
  lockTimeout?: string;
}): Promise<number> {
  const storeUrl = fleetStoreUrl(o);
  const worker = await startWorker({
    storeUrl,
    concurrency: positiveInteger(o.concurrency, '--concurrency', 2),
    lockTimeoutSeconds: positiveInteger(
      o.lockTimeout ?? process.env.RUNBOOK_WORKER_LOCK_TIMEOUT,
      '--lock-timeout',
      DEFAULT_LOCK_TIMEOUT,
    ),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`runbook worker ${process.pid} ready\n`);
  const stop = (): void => void worker.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.done;
  return 0;
}

/** The verb-table entry point: `runbook worker` takes no arguments. */
export async function run(_args: string[], o: Parameters<typeof workerVerb>[0]): Promise<number> {
  const { runsDir: _runsDir, ...spec } = await storeSpec(o);
  return workerVerb({ ...o, ...spec });
}

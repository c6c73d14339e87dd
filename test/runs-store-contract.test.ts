import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileRunStore } from '../src/runs/file-run-store.js';
import { describeRunStoreContract } from './support/run-store-contract.js';

describeRunStoreContract('FileRunStore', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runbook-contract-'));
  const store = new FileRunStore(path.join(dir, 'runs'));
  return {
    store,
    async corruptRecord(id) {
      writeFileSync(path.join(store.runDir(id), 'run.json'), '{"form');
    },
    async placeLock(id, holder) {
      writeFileSync(path.join(store.runDir(id), 'lock'), `${JSON.stringify(holder)}\n`);
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

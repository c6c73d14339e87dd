import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { isSafeRunId } from './run-id.js';
import { refuseSymlink } from './no-symlink.js';
import { ARTIFACTS_DIR } from './artifact-names.js';

/*
 * Where the file store keeps each part of a run: `<runs dir>/<run-id>/{run.json, snapshot.json,
 * events.jsonl, lock, artifacts/}` (docs/design.md "Run directory"). Only src/runs knows it.
 */

const RECORD_FILE = 'run.json';
const SNAPSHOT_FILE = 'snapshot.json';
const EVENTS_FILE = 'events.jsonl';
const LOCK_FILE = 'lock';

/** The segments of an artifact name; InvalidInputError for an empty segment, `.` or `..`. */
export function artifactSegments(name: string): string[] {
  const segments = name.split(/[\\/]/);
  if (name === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidInputError([{ message: `'${name}' is not a valid artifact name` }]);
  }
  return segments;
}

/** The paths of the runs kept in one directory. */
export class RunDirLayout {
  constructor(
    /** Absolute path of the runs directory. */
    readonly dir: string,
  ) {}

  /** The directory of one run. Throws InvalidInputError for an id that is not a safe name. */
  runDir(id: string): string {
    if (!isSafeRunId(id)) {
      throw new InvalidInputError([{ message: `'${id}' is not a valid run id` }]);
    }
    return path.join(this.dir, id);
  }

  /** `run.json`: the run record. */
  recordFile(id: string): string {
    return path.join(this.runDir(id), RECORD_FILE);
  }

  /** `snapshot.json`: the checkpoint. */
  snapshotFile(id: string): string {
    return path.join(this.runDir(id), SNAPSHOT_FILE);
  }

  /** `events.jsonl`: the event log. */
  eventsFile(id: string): string {
    return path.join(this.runDir(id), EVENTS_FILE);
  }

  /** `lock`: present while a process drives the run. */
  lockFile(id: string): string {
    return path.join(this.runDir(id), LOCK_FILE);
  }

  /** `artifacts/`: the run's artifacts. */
  artifactsDir(id: string): string {
    return path.join(this.runDir(id), ARTIFACTS_DIR);
  }

  /** The path an artifact is (or would be) stored at. */
  artifactFile(id: string, name: string): string {
    return path.join(this.artifactsDir(id), ...artifactSegments(name));
  }

  /** The files of a run directory being created under `staging`, named as in the final one. */
  stagingFiles(staging: string): { record: string; events: string; artifacts: string } {
    return {
      record: path.join(staging, RECORD_FILE),
      events: path.join(staging, EVENTS_FILE),
      artifacts: path.join(staging, ARTIFACTS_DIR),
    };
  }

  /** The run's directory; InvalidInputError when there is no such run (or it is a link). */
  existingRunDir(id: string): string {
    const dir = this.runDir(id);
    refuseSymlink(dir);
    if (!fs.existsSync(dir)) throw new InvalidInputError([{ message: `no run matches '${id}'` }]);
    return dir;
  }

  /** Refuses a symbolic link anywhere on an artifact's path inside the run directory. */
  refuseLinksUnder(id: string, name: string): void {
    let at = this.runDir(id);
    refuseSymlink(at);
    for (const segment of [ARTIFACTS_DIR, ...artifactSegments(name)]) {
      at = path.join(at, segment);
      refuseSymlink(at);
    }
  }

  /** Names of run directories (hidden staging dirs and plain files are not runs). */
  async runIds(): Promise<string[]> {
    let entries: fs.Dirent[];
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return entries.filter((e) => e.isDirectory() && isSafeRunId(e.name)).map((e) => e.name);
  }

  /** Artifact names under a run's `artifacts/` (sub-folders joined with `/`), sorted. */
  async artifactNames(id: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[]);
      for (const e of entries) {
        // Leftovers of a killed atomic write (`.<name>.tmp-…`) are not artifacts.
        if (e.name.startsWith('.')) continue;
        if (e.isDirectory()) await walk(path.join(dir, e.name), `${prefix}${e.name}/`);
        else if (e.isFile()) out.push(`${prefix}${e.name}`);
      }
    };
    await walk(this.artifactsDir(id), '');
    return out.sort();
  }
}

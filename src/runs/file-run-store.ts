import fs from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { acquireRunLock } from './run-lock.js';
import { isSafeRunId, runIdTime } from './run-id.js';
import { checkRunsDir, type RunsDirUse } from './runs-dir.js';
import {
  describeSchemaIssue,
  runRecordSchema,
  snapshotFileSchema,
  type RunRecord,
  type SnapshotFile,
} from './run-record.js';
import type { RunLock, RunStore, RunSummary } from './run-store.js';
import { refuseSymlink } from './no-symlink.js';
import { assertNoSecret } from './secret-guard.js';
import {
  syncDirectory,
  syncFile,
  writeFileAtomic,
  writeNewFileSync,
  type WriteOptions,
} from './write-file-atomic.js';

/** The default runs directory, relative to the working directory. */
export const DEFAULT_RUNS_DIR = 'runs';

const RECORD_FILE = 'run.json';
const SNAPSHOT_FILE = 'snapshot.json';
const EVENTS_FILE = 'events.jsonl';
const LOCK_FILE = 'lock';
const ARTIFACTS_DIR = 'artifacts';

function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * {@link RunStore} over a directory: `runs/<run-id>/{run.json, snapshot.json, events.jsonl,
 * lock, artifacts/}` (docs/design.md "Run directory"). Writes go through `writeFileAtomic` and the
 * secret guard. The directory is created on first write.
 */
export class FileRunStore implements RunStore {
  /** Absolute path of the runs directory. */
  readonly dir: string;

  /** Throws InvalidInputError for an empty `dir` (it would silently mean the working directory). */
  constructor(dir: string = DEFAULT_RUNS_DIR) {
    if (dir.trim() === '') {
      throw new InvalidInputError([
        { path: '--runs-dir', message: 'the runs directory is empty', hint: 'e.g. --runs-dir runs' },
      ]);
    }
    this.dir = path.resolve(dir);
  }

  /**
   * Refuses (InvalidInputError, exit 2) a runs directory that is not a directory, or, for `write`,
   * one where no run directory can be created; see {@link checkRunsDir}.
   */
  check(use: RunsDirUse): this {
    checkRunsDir(this.dir, use);
    return this;
  }

  /** The directory of one run. Throws InvalidInputError for an id that is not a safe name. */
  runDir(id: string): string {
    if (!isSafeRunId(id)) {
      throw new InvalidInputError([{ message: `'${id}' is not a valid run id` }]);
    }
    return path.join(this.dir, id);
  }

  async create(record: RunRecord, initial: InitialRunFiles = {}): Promise<void> {
    const final = this.runDir(record.id);
    const text = toJsonText(record);
    assertNoSecret(text, path.join(final, RECORD_FILE));
    if (initial.eventLog !== undefined) assertNoSecret(initial.eventLog, path.join(final, EVENTS_FILE));
    for (const [name, content] of Object.entries(initial.artifacts ?? {})) {
      assertNoSecret(content, this.artifactPath(record.id, name));
    }
    fs.mkdirSync(this.dir, { recursive: true });
    if (fs.existsSync(final)) throw new Error(`run ${record.id} already exists in ${this.dir}`);
    // Built under a hidden name and renamed into place, so a run dir never lacks its run.json.
    const staging = path.join(this.dir, `.creating-${record.id}-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, ARTIFACTS_DIR), { recursive: true });
    // Nobody reads the staging directory: each file is written in place and fsynced, and each
    // directory fsynced once after its last entry, before the rename publishes them together.
    writeNewFileSync(path.join(staging, RECORD_FILE), text);
    for (const [name, content] of Object.entries(initial.artifacts ?? {})) {
      writeNewFileSync(path.join(staging, ARTIFACTS_DIR, name), content);
    }
    if (initial.eventLog !== undefined) {
      writeNewFileSync(path.join(staging, EVENTS_FILE), initial.eventLog);
    }
    syncDirectory(path.join(staging, ARTIFACTS_DIR));
    syncDirectory(staging);
    try {
      await rename(staging, final);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw new Error(`run ${record.id} already exists in ${this.dir}`, { cause: err });
    }
    syncDirectory(this.dir);
  }

  async readRecord(id: string): Promise<RunRecord> {
    const file = path.join(this.runDir(id), RECORD_FILE);
    refuseSymlink(path.dirname(file));
    refuseSymlink(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isMissing(err) && !fs.existsSync(path.dirname(file))) {
        throw new InvalidInputError([{ message: `no run matches '${id}'` }], { cause: err });
      }
      throw new InvalidInputError([{ message: `cannot read ${file}: ${String(err)}` }]);
    }
    return parseRecord(text, file, id);
  }

  async writeRecord(record: RunRecord, options?: WriteOptions): Promise<void> {
    const dir = await this.existingRunDir(record.id);
    const file = path.join(dir, RECORD_FILE);
    refuseSymlink(file);
    const text = toJsonText(record);
    assertNoSecret(text, file);
    await writeFileAtomic(file, text, options);
  }

  async readSnapshot(id: string): Promise<SnapshotFile | undefined> {
    const file = path.join(await this.existingRunDir(id), SNAPSHOT_FILE);
    refuseSymlink(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InvalidInputError([{ message: `${file} is not valid JSON` }], { cause: err });
    }
    const parsed = snapshotFileSchema.safeParse(value);
    if (!parsed.success) {
      throw new InvalidInputError([
        { message: `${file} is not a snapshot: ${describeSchemaIssue(parsed.error)}` },
      ]);
    }
    return parsed.data as SnapshotFile;
  }

  async writeSnapshot(id: string, data: SnapshotFile, options?: WriteOptions): Promise<void> {
    const file = path.join(await this.existingRunDir(id), SNAPSHOT_FILE);
    refuseSymlink(file);
    const text = toJsonText(data);
    assertNoSecret(text, file);
    await writeFileAtomic(file, text, options);
  }

  async syncSnapshot(id: string): Promise<void> {
    const dir = await this.existingRunDir(id);
    const file = path.join(dir, SNAPSHOT_FILE);
    refuseSymlink(file);
    syncFile(file);
    syncDirectory(dir);
  }

  async list(): Promise<RunSummary[]> {
    const entries = await this.runDirNames();
    const rows = await Promise.all(
      entries.map(async (id) => {
        const file = path.join(this.dir, id, RECORD_FILE);
        let summary: RunSummary;
        let time: number;
        try {
          const record = parseRecord(await readFile(file, 'utf8'), file, id);
          summary = { id, status: record.status, record };
          time = Date.parse(record.startedAt);
        } catch (err) {
          const problem =
            err instanceof InvalidInputError
              ? err.message
              : isMissing(err)
                ? `${file} is missing`
                : `cannot read ${file}: ${String(err)}`;
          summary = { id, status: 'corrupt', problem };
          time = NaN;
        }
        if (Number.isNaN(time)) time = runIdTime(id)?.getTime() ?? NaN;
        if (Number.isNaN(time)) time = (await stat(path.join(this.dir, id))).mtimeMs;
        return { summary, time };
      }),
    );
    rows.sort((a, b) => b.time - a.time || b.summary.id.localeCompare(a.summary.id));
    return rows.map((r) => r.summary);
  }

  async resolve(idOrPrefix: string): Promise<string> {
    const ids = await this.runDirNames();
    if (idOrPrefix === 'last') {
      const newest = (await this.list())[0];
      if (!newest) throw new InvalidInputError([{ message: `no runs in ${this.dir}` }]);
      return newest.id;
    }
    if (ids.includes(idOrPrefix)) return idOrPrefix;
    const candidates = idOrPrefix === '' ? [] : ids.filter((id) => id.startsWith(idOrPrefix));
    if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
    if (candidates.length === 0) {
      throw new InvalidInputError([{ message: `no run matches '${idOrPrefix}'` }]);
    }
    candidates.sort();
    throw new InvalidInputError([
      {
        message: `'${idOrPrefix}' matches ${candidates.length} runs: ${candidates.join(', ')}`,
        hint: 'give more of the run id',
      },
    ]);
  }

  eventLogPath(id: string): string {
    return path.join(this.runDir(id), EVENTS_FILE);
  }

  /** The path of the run's lock file. */
  lockPath(id: string): string {
    return path.join(this.runDir(id), LOCK_FILE);
  }

  artifactPath(id: string, name: string): string {
    const segments = name.split(/[\\/]/);
    if (name === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new InvalidInputError([{ message: `'${name}' is not a valid artifact name` }]);
    }
    return path.join(this.runDir(id), ARTIFACTS_DIR, ...segments);
  }

  async writeArtifact(
    id: string,
    name: string,
    content: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<void> {
    await this.existingRunDir(id);
    const file = this.artifactPath(id, name);
    assertNoSecret(content, file);
    this.refuseLinksUnder(id, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, content, options);
  }

  async readArtifact(id: string, name: string): Promise<string> {
    const file = this.artifactPath(id, name);
    this.refuseLinksUnder(id, name);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      if (isMissing(err)) {
        throw new InvalidInputError([{ message: `run ${id} has no artifact '${name}'` }], {
          cause: err,
        });
      }
      throw err;
    }
  }

  async acquireLock(
    id: string,
    options: { command: string; breakLock?: boolean },
  ): Promise<RunLock> {
    const dir = await this.existingRunDir(id);
    const lock = acquireRunLock(path.join(dir, LOCK_FILE), id, options.command, {
      breakLock: Boolean(options.breakLock),
    });
    // Holding the lock, nobody else writes here: temp files are leftovers of a killed writer.
    for (const sub of [dir, path.join(dir, ARTIFACTS_DIR)]) {
      const names = await readdir(sub).catch(() => [] as string[]);
      for (const n of names.filter((x) => /^\..+\.tmp-\d+-[0-9a-f]+$/.test(x))) {
        await rm(path.join(sub, n), { force: true });
      }
    }
    return lock;
  }

  /** Names of run directories (hidden staging dirs and plain files are not runs). */
  private async runDirNames(): Promise<string[]> {
    let entries: fs.Dirent[];
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    return entries.filter((e) => e.isDirectory() && isSafeRunId(e.name)).map((e) => e.name);
  }

  private async existingRunDir(id: string): Promise<string> {
    const dir = this.runDir(id);
    refuseSymlink(dir);
    if (!fs.existsSync(dir)) throw new InvalidInputError([{ message: `no run matches '${id}'` }]);
    return dir;
  }

  /** Refuses a symbolic link anywhere on an artifact's path inside the run directory. */
  private refuseLinksUnder(id: string, name: string): void {
    let at = this.runDir(id);
    refuseSymlink(at);
    for (const segment of [ARTIFACTS_DIR, ...name.split(/[\\/]/)]) {
      at = path.join(at, segment);
      refuseSymlink(at);
    }
  }
}

/** Files a new run directory is created with, besides run.json (see {@link FileRunStore.create}). */
export interface InitialRunFiles {
  /** The first line(s) of `events.jsonl`, so the run never exists without its `run.started`. */
  eventLog?: string;
  /** Artifacts by name (a plain file name under `artifacts/`). */
  artifacts?: Record<string, string>;
}

function parseRecord(text: string, file: string, expectedId: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError([{ message: `${file} is not valid JSON` }], { cause: err });
  }
  const parsed = runRecordSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError([
      { message: `${file} is not a run record: ${describeSchemaIssue(parsed.error)}` },
    ]);
  }
  if (parsed.data.id !== expectedId) {
    throw new InvalidInputError([
      { message: `${file} records id '${parsed.data.id}' but lives in run '${expectedId}'` },
    ]);
  }
  return parsed.data as RunRecord;
}

import fs from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { EventLog } from './event-log.js';
import { acquireRunLock, liveLockHolder } from './run-lock.js';
import { checkRunsDir, type RunsDirUse } from './runs-dir.js';
import { parseRunRecord, parseSnapshotFile, toJsonText } from './run-record.js';
import { listRunDirs, resolveRunDir } from './run-dir-listing.js';
import { procedureArtifact, requiredArtifact } from './artifact-names.js';
import { RunDirLayout } from './run-dir-layout.js';
import type {
  EventLogWriter,
  InitialRunData,
  LockInfo,
  RunLock,
  RunRecord,
  RunStore,
  RunSummary,
  SnapshotFile,
  StoredDocument,
  StoredRun,
} from './run-store.js';
import { refuseSymlink } from './no-symlink.js';
import { assertNoSecret } from './secret-guard.js';
import {
  syncConcurrently,
  syncDirectory,
  syncFile,
  writeFileAtomic,
  writeNewFileSync,
  type WriteOptions,
} from './write-file-atomic.js';

/** The default runs directory, relative to the working directory. */
export const DEFAULT_RUNS_DIR = 'runs';

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A file's text; undefined when it does not exist. Refuses a symbolic link. */
async function readIfPresent(file: string): Promise<string | undefined> {
  refuseSymlink(file);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * {@link RunStore} over a directory: `runs/<run-id>/{run.json, snapshot.json, events.jsonl,
 * lock, artifacts/}` (docs/design.md "Run directory"). Writes go through `writeFileAtomic` and the
 * secret guard. The directory is created on first write.
 */
export class FileRunStore implements RunStore {
  /** Absolute path of the runs directory. */
  readonly dir: string;
  private readonly layout: RunDirLayout;

  /** Throws InvalidInputError for an empty `dir` (it would silently mean the working directory). */
  constructor(dir: string = DEFAULT_RUNS_DIR) {
    if (dir.trim() === '') {
      throw new InvalidInputError([
        { path: '--runs-dir', message: 'the runs directory is empty', hint: 'e.g. --runs-dir runs' },
      ]);
    }
    this.dir = path.resolve(dir);
    this.layout = new RunDirLayout(this.dir);
  }

  /** The store holding a run directory given by path (`runs/<id>`), and the run's id. */
  static forRunDir(runDir: string): StoredRun {
    const resolved = path.resolve(runDir);
    return { store: new FileRunStore(path.dirname(resolved)), id: path.basename(resolved) };
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
    return this.layout.runDir(id);
  }

  async create(record: RunRecord, initial: InitialRunData = {}): Promise<void> {
    const final = this.layout.runDir(record.id);
    const text = toJsonText(record);
    const artifacts = { ...initial.artifacts };
    if (initial.procedure !== undefined) artifacts[procedureArtifact()] = initial.procedure;
    assertNoSecret(text, this.layout.recordFile(record.id));
    if (initial.eventLog !== undefined) {
      assertNoSecret(initial.eventLog, this.layout.eventsFile(record.id));
    }
    for (const [name, content] of Object.entries(artifacts)) {
      assertNoSecret(content, this.layout.artifactFile(record.id, name));
    }
    fs.mkdirSync(this.dir, { recursive: true });
    if (fs.existsSync(final)) throw new Error(`run ${record.id} already exists in ${this.dir}`);
    // Built under a hidden name and renamed into place, so a run dir never lacks its run.json.
    const staging = path.join(this.dir, `.creating-${record.id}-${process.pid}`);
    const files = this.layout.stagingFiles(staging);
    await rm(staging, { recursive: true, force: true });
    fs.mkdirSync(files.artifacts, { recursive: true });
    // Nobody reads the staging directory: each file is written in place, then every file and
    // directory in it is fsynced (all at once) before the rename publishes them together.
    writeNewFileSync(files.record, text);
    const written = [files.record];
    const dirs = new Set([staging, files.artifacts]);
    for (const [name, content] of Object.entries(artifacts)) {
      const file = path.join(files.artifacts, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      dirs.add(path.dirname(file));
      writeNewFileSync(file, content);
      written.push(file);
    }
    if (initial.eventLog !== undefined) {
      writeNewFileSync(files.events, initial.eventLog);
      written.push(files.events);
    }
    await syncConcurrently(written, [...dirs]);
    try {
      await rename(staging, final);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw new Error(`run ${record.id} already exists in ${this.dir}`, { cause: err });
    }
    syncDirectory(this.dir);
  }

  async readRecord(id: string): Promise<RunRecord> {
    const file = this.layout.recordFile(id);
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
    return parseRunRecord(text, file, id);
  }

  async writeRecord(record: RunRecord, options?: WriteOptions): Promise<void> {
    this.layout.existingRunDir(record.id);
    await this.writeRunFile(this.layout.recordFile(record.id), toJsonText(record), options);
  }

  async readSnapshot(id: string): Promise<SnapshotFile | undefined> {
    this.layout.existingRunDir(id);
    const file = this.layout.snapshotFile(id);
    const text = await readIfPresent(file);
    return text === undefined ? undefined : parseSnapshotFile(text, file);
  }

  async writeSnapshot(id: string, data: SnapshotFile, options?: WriteOptions): Promise<void> {
    this.layout.existingRunDir(id);
    await this.writeRunFile(this.layout.snapshotFile(id), toJsonText(data), options);
  }

  async readStoredText(id: string, document: StoredDocument): Promise<string | undefined> {
    refuseSymlink(this.layout.runDir(id));
    const file =
      document === 'record' ? this.layout.recordFile(id) : this.layout.snapshotFile(id);
    refuseSymlink(file);
    // Read synchronously: a migrate step reads up to a hundred earlier runs' checkpoints one after
    // another (tens of KB each), and the thread pool's round trips per file cost more than reading.
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async syncSnapshot(id: string): Promise<void> {
    const dir = this.layout.existingRunDir(id);
    const file = this.layout.snapshotFile(id);
    refuseSymlink(file);
    syncFile(file);
    syncDirectory(dir);
  }

  list(): Promise<RunSummary[]> {
    return listRunDirs(this.layout);
  }

  ids(): Promise<string[]> {
    return this.layout.runIds();
  }

  resolve(idOrPrefix: string): Promise<string> {
    return resolveRunDir(this.layout, idOrPrefix);
  }

  async openEventLog(id: string, options: { now?: () => Date } = {}): Promise<EventLogWriter> {
    this.layout.existingRunDir(id);
    return EventLog.open(this.layout.eventsFile(id), options);
  }

  async readEventLog(id: string): Promise<string | undefined> {
    refuseSymlink(this.layout.runDir(id));
    return readIfPresent(this.layout.eventsFile(id));
  }

  async writeArtifact(
    id: string,
    name: string,
    content: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<void> {
    this.layout.existingRunDir(id);
    const file = this.layout.artifactFile(id, name);
    assertNoSecret(content, file);
    this.layout.refuseLinksUnder(id, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, content, options);
  }

  readArtifact(id: string, name: string): Promise<string> {
    return requiredArtifact((i, n) => this.findArtifact(i, n), id, name);
  }

  async findArtifact(id: string, name: string): Promise<string | undefined> {
    const file = this.layout.artifactFile(id, name);
    this.layout.refuseLinksUnder(id, name);
    return readIfPresent(file);
  }

  listArtifacts(id: string): Promise<string[]> {
    this.layout.existingRunDir(id);
    return this.layout.artifactNames(id);
  }

  readProcedureSource(id: string, hash?: string): Promise<string | undefined> {
    return this.findArtifact(id, procedureArtifact(hash));
  }

  saveProcedureSource(id: string, source: string, hash?: string): Promise<void> {
    return this.writeArtifact(id, procedureArtifact(hash), source);
  }

  location(id: string, artifact?: string): string {
    return artifact === undefined
      ? this.layout.runDir(id)
      : this.layout.artifactFile(id, artifact);
  }

  async lockHolder(id: string): Promise<LockInfo | undefined> {
    return liveLockHolder(this.layout.lockFile(id), id);
  }

  async acquireLock(
    id: string,
    options: { command: string; breakLock?: boolean },
  ): Promise<RunLock> {
    const dir = this.layout.existingRunDir(id);
    const lock = acquireRunLock(this.layout.lockFile(id), id, options.command, {
      breakLock: Boolean(options.breakLock),
    });
    // Holding the lock, nobody else writes here: temp files are leftovers of a killed writer.
    for (const sub of [dir, this.layout.artifactsDir(id)]) {
      const names = await readdir(sub).catch(() => [] as string[]);
      for (const n of names.filter((x) => /^\..+\.tmp-\d+-[0-9a-f]+$/.test(x))) {
        await rm(path.join(sub, n), { force: true });
      }
    }
    return lock;
  }

  /** Writes run.json or snapshot.json: never through a link, never a password. */
  private async writeRunFile(file: string, text: string, options?: WriteOptions): Promise<void> {
    refuseSymlink(file);
    assertNoSecret(text, file);
    await writeFileAtomic(file, text, options);
  }
}

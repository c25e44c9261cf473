/**
 * File-system side of the sync: directories, atomic writes, deletes and leftover sweeps under
 * `<mount>/var/panintelligence/<dir>`. Knows nothing about S3.
 */
import { randomBytes } from 'node:crypto';
import { close, createWriteStream, fchmod, fchown, fstat, open, Stats, WriteStream } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, readdir, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { DATA_DIRECTORIES, DATA_ROOT, MappedKey, TEMP_PREFIX } from './keys';
import { scavengeEvery } from './memory';

/** Mode of every file the sync writes, whatever the process umask. */
export const FILE_MODE = 0o644;
/** Mode of every directory the sync creates, whatever the process umask. */
export const DIRECTORY_MODE = 0o755;

// Descriptor-level calls: the temporary file is written through a plain descriptor stream.
const openFile = promisify(open);
const closeFile = promisify(close);
const fchmodFile = promisify(fchmod);
const fchownFile = promisify(fchown);
const fstatFile = promisify(fstat);

/** Temporary file names: random per process, then a counter (cheaper than random bytes per file). */
const TEMP_STEM = randomBytes(6).toString('hex');
let tempCounter = 0;

/** Bytes between young-generation collections during a copy (see memory.ts; measured by the benchmark). */
const SCAVENGE_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * The local tree cannot take the object (a directory where the file should go, a file or
 * symbolic link where a directory should be). Retrying cannot help, so the handler logs it
 * instead of failing the event.
 */
export class SyncConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncConflict';
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Options for {@link writeAtomically}. */
export interface WriteOptions {
  /** Bytes the source must deliver; anything else is a failed copy. */
  readonly expectedSize?: number;
  /** Modification time to give the file (the object's LastModified), so a re-sync can compare. */
  readonly mtime?: Date;
  /** Destroy the copy if no byte arrives for this long. */
  readonly stallTimeoutMs?: number;
  /** Destroy the copy at this time (epoch ms), before the function itself is stopped. */
  readonly deadline?: number;
  /** Directories already checked by earlier copies of the same run, which need no new look. */
  readonly known?: KnownDirectories;
}

/**
 * The directories a run of many copies (a re-sync) has already made or checked, so that each
 * is looked at once rather than once per file. Forgotten whenever a copy fails, as a
 * directory may have gone (a concurrent delete prunes directories it leaves empty).
 */
export class KnownDirectories {
  /** Owner of each data directory. */
  readonly owners = new Map<string, Owner>();
  /** Directories below a data directory that exist and are not symbolic links. */
  readonly checked = new Set<string>();
  /** Owner a file gets when this process creates it in a directory. */
  readonly createdAs = new Map<string, Owner>();

  forget(): void {
    this.owners.clear();
    this.checked.clear();
    this.createdAs.clear();
  }
}

/** Where a mapped key lands. */
export function targetPath(mountPath: string, mapped: MappedKey): string {
  return path.join(dataDirectoryPath(mountPath, mapped.directory), ...mapped.segments);
}

/**
 * The levels between the mount and the data directories: `DATA_ROOT` (`var/panintelligence`) when
 * the file system's root is mounted, none (env `DATA_ROOT=.`) when an access point rooted at the
 * data root is.
 */
function dataRootParts(): string[] {
  return (process.env.DATA_ROOT ?? DATA_ROOT).split('/').filter(part => part !== '' && part !== '.');
}

function dataDirectoryPath(mountPath: string, directory: string): string {
  return path.join(mountPath, ...dataRootParts(), directory);
}

/** The real path of each mount point: the mount is this function's own, so it is resolved once. */
const realMounts = new Map<string, Promise<string>>();

/**
 * Fails unless `dir` still resolves to where the path says, with no symbolic link on the way: a
 * directory swapped for a link after it was checked is caught before anything is written or
 * removed through it. Node.js cannot open a file relative to a directory descriptor, so the
 * check is repeated at each step that uses the path.
 */
async function assertUnmoved(mountPath: string, dir: string): Promise<void> {
  let realMount = realMounts.get(mountPath);
  if (!realMount) {
    realMount = realpath(mountPath);
    realMounts.set(mountPath, realMount);
  }
  const expected = path.join(await realMount, path.relative(mountPath, dir));
  const actual = await realpath(dir).catch(err => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (actual !== expected) throw new SyncConflict(`${dir} was replaced while in use (it leads to ${actual ?? 'nothing'})`);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT';
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * mkdir that tolerates a concurrent creator and applies mode and owner exactly.
 *
 * @returns whether this call created the directory
 */
async function makeDirectory(p: string, owner: Owner): Promise<boolean> {
  try {
    await mkdir(p, { mode: DIRECTORY_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  await chmod(p, DIRECTORY_MODE); // mkdir's mode is filtered by the umask
  await lchown(p, owner.uid, owner.gid);
  return true;
}

/** Removes directories, deepest first, while they are empty (rmdir never removes anything else). */
async function removeEmptyDirectories(deepestLast: readonly string[]): Promise<void> {
  for (const dir of [...deepestLast].reverse()) {
    if (!await rmdir(dir).then(() => true, () => false)) return;
  }
}

/**
 * Returns the owner of a data directory, creating it (and `var/panintelligence` above it) with
 * mode 0755 when no instance has made it yet. A created directory takes its parent's owner. A
 * symbolic link at any level is refused: any client of the file system could have planted it.
 */
async function ensureDataDirectory(mountPath: string, directory: string): Promise<Owner> {
  let current = mountPath;
  let st = await stat(current);
  for (const part of [...dataRootParts(), directory]) {
    const next = path.join(current, part);
    let nextSt = await lstatOrUndefined(next);
    if (!nextSt) {
      await makeDirectory(next, st);
      nextSt = await lstat(next);
    }
    if (nextSt.isSymbolicLink()) throw new SyncConflict(`${next} is a symbolic link`);
    if (!nextSt.isDirectory()) throw new SyncConflict(`${next} is not a directory`);
    current = next;
    st = nextSt;
  }
  return { uid: st.uid, gid: st.gid };
}

/**
 * Makes the directories between the data directory and the file, owned like the data
 * directory, mode 0755. Refuses to pass through a symbolic link, so an upload can never be
 * steered out of its data directory by a link someone left on the file system.
 */
async function ensureParents(mountPath: string, mapped: MappedKey, owner: Owner, created: string[], known?: KnownDirectories): Promise<string> {
  let current = dataDirectoryPath(mountPath, mapped.directory);
  for (const segment of mapped.segments.slice(0, -1)) {
    current = path.join(current, segment);
    if (known?.checked.has(current)) continue;
    let st = await lstatOrUndefined(current);
    if (!st) {
      if (await makeDirectory(current, owner)) created.push(current);
      st = await lstat(current);
    }
    if (st.isSymbolicLink()) throw new SyncConflict(`${current} is a symbolic link`);
    if (!st.isDirectory()) throw new SyncConflict(`${current} is not a directory`);
    known?.checked.add(current);
  }
  return current;
}

/**
 * Streams `source` into a temporary file next to the target, then renames it into place, so a
 * reader sees the old file or the new one, never a part. The temporary file, and directories
 * made for it, are removed on any failure. Mode 0644 and the data directory's owner are set before the first byte is written.
 * The modification time is set after the file is closed: on NFS the close flushes the writes,
 * which would otherwise move it again. No fsync: closing a file on NFS flushes it.
 *
 * A directory on the way swapped for a symbolic link after it was checked: the temporary file is
 * created exclusively (never through a link), and its directory must still be the one checked
 * once it is open and again just before the rename, or nothing is kept. What remains is the
 * moment between that last look and the rename, in which the directory could only be moved
 * within the share (a rename through a link to anywhere else fails, as the temporary file is not
 * there).
 *
 * @returns the number of bytes written
 */
export async function writeAtomically(mountPath: string, mapped: MappedKey, source: Readable, options: WriteOptions = {}): Promise<number> {
  let renamed = false;
  let temp: string | undefined;
  let fd: number | undefined; // ours to close until the stream takes it over
  let sink: WriteStream | undefined;
  const createdDirectories: string[] = [];
  let watchdog: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  try {
    const known = options.known;
    let owner = known?.owners.get(mapped.directory);
    if (!owner) {
      owner = await ensureDataDirectory(mountPath, mapped.directory);
      known?.owners.set(mapped.directory, owner);
    }
    let parent = '';
    let tempPath = '';
    for (let attempt = 1; fd === undefined; attempt++) {
      if (attempt > 1) known?.checked.clear();
      parent = await ensureParents(mountPath, mapped, owner, createdDirectories, known);
      // Before anything is created in it: the directory may have been checked by an earlier copy.
      await assertUnmoved(mountPath, parent);
      tempPath = path.join(parent, `${TEMP_PREFIX}${TEMP_STEM}${(tempCounter++).toString(36)}.tmp`);
      try {
        fd = await openFile(tempPath, 'wx', FILE_MODE);
      } catch (err) {
        // A concurrent delete may prune a directory just made empty; make it again.
        if (!isMissing(err) || attempt >= 3) throw err;
      }
    }
    temp = tempPath; // only ever remove a file this copy created
    // ...and once it holds the temporary file: still the directory that was checked.
    await assertUnmoved(mountPath, parent);
    const target = path.join(parent, mapped.segments[mapped.segments.length - 1]);
    // Each call costs a round trip on NFS: only when the umask took bits off, or the owner differs.
    // eslint-disable-next-line no-bitwise -- permission bits
    if ((FILE_MODE & ~process.umask()) !== FILE_MODE) await fchmodFile(fd, FILE_MODE);
    // Files created in one directory by one process all start with the same owner.
    let created = known?.createdAs.get(parent);
    if (!created) {
      const st = await fstatFile(fd);
      created = { uid: st.uid, gid: st.gid };
      known?.createdAs.set(parent, created);
    }
    if (created.uid !== owner.uid || created.gid !== owner.gid) await fchownFile(fd, owner.uid, owner.gid);

    // A plain descriptor stream, which owns and closes the descriptor once its last write is
    // done (a FileHandle's stream goes through promise-based writes: 10-30 % more CPU).
    const stream = createWriteStream('', { fd });
    sink = stream;
    fd = undefined;

    // Progress is polled, not tracked per chunk, so the copy loop stays as lean as a plain pipe.
    if (options.stallTimeoutMs) {
      const stallTimeoutMs = options.stallTimeoutMs;
      let lastBytes = -1;
      let lastProgress = Date.now();
      watchdog = setInterval(() => {
        const now = Date.now();
        if (stream.bytesWritten !== lastBytes) {
          lastBytes = stream.bytesWritten;
          lastProgress = now;
        } else if (now - lastProgress >= stallTimeoutMs) {
          source.destroy(new Error(`no data for ${stallTimeoutMs} ms`));
        }
      }, Math.min(1000, stallTimeoutMs));
    }
    if (options.deadline !== undefined) {
      deadlineTimer = setTimeout(() => source.destroy(new Error('copy stopped before the function time limit')),
        Math.max(0, options.deadline - Date.now()));
    }

    const scavenge = scavengeEvery(SCAVENGE_EVERY_BYTES);
    if (scavenge) source.on('data', scavenge);
    await pipeline(source, stream);
    await closed(stream); // on NFS, the close is what flushes the file
    const written = stream.bytesWritten;
    if (options.expectedSize !== undefined && written !== options.expectedSize) {
      throw new Error(`copy ended after ${written} of ${options.expectedSize} bytes`);
    }
    // Last look before the directory is used by path again (lutimes: never the times of a link).
    await assertUnmoved(mountPath, parent);
    if (options.mtime) await lutimes(tempPath, options.mtime, options.mtime);
    try {
      await rename(tempPath, target);
    } catch (err) {
      // A file cannot replace a directory: EISDIR, whether the directory is empty or not.
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new SyncConflict(`${target} is a directory`);
      throw err;
    }
    renamed = true;
    return written;
  } finally {
    if (watchdog) clearInterval(watchdog);
    if (deadlineTimer) clearTimeout(deadlineTimer);
    if (!renamed) {
      options.known?.forget();
      source.destroy(); // releases the connection when the copy never started or was refused
      // Close before unlinking: NFS keeps an unlinked file that is still open as a hidden .nfs* file.
      if (fd !== undefined) await closeFile(fd).catch(() => undefined);
      if (sink) {
        sink.destroy();
        await closed(sink);
      }
      if (temp) await unlink(temp).catch(() => undefined);
      await removeEmptyDirectories(createdDirectories);
    }
  }
}

/** Resolves once a file stream has closed its descriptor, which it does only after its last write. */
function closed(stream: WriteStream): Promise<void> {
  return stream.closed ? Promise.resolve() : new Promise(resolve => stream.once('close', () => resolve()));
}

/**
 * Deletes the file a key maps to, then removes directories left empty between it and its data
 * directory (as a prefix vanishes from S3 with its last object). Never removes the data
 * directory itself, and never anything through a symbolic link.
 *
 * @returns whether a file was removed
 */
export async function removeFile(mountPath: string, mapped: MappedKey): Promise<boolean> {
  const dataDirectory = dataDirectoryPath(mountPath, mapped.directory);
  let current = dataDirectory;
  const parents: string[] = [];
  for (const segment of mapped.segments.slice(0, -1)) {
    current = path.join(current, segment);
    const st = await lstatOrUndefined(current);
    if (!st) return false;
    if (st.isSymbolicLink()) throw new SyncConflict(`${current} is a symbolic link`);
    if (!st.isDirectory()) return false;
    parents.push(current);
  }
  const target = path.join(current, mapped.segments[mapped.segments.length - 1]);
  const st = await lstatOrUndefined(target);
  if (!st) return false;
  if (st.isDirectory()) throw new SyncConflict(`${target} is a directory`);
  // Also catches a data directory that is a link, which no lstat above looked at.
  await assertUnmoved(mountPath, current);
  try {
    await unlink(target);
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  // rmdir only ever removes an empty directory, so a concurrent writer's directory survives.
  await removeEmptyDirectories(parents);
  return true;
}

/** Size and modification time of the file a key maps to, if it is a regular file. */
export async function fileState(mountPath: string, mapped: MappedKey): Promise<{ size: number; mtimeMs: number } | undefined> {
  const st = await lstatOrUndefined(targetPath(mountPath, mapped));
  if (!st?.isFile()) return undefined;
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Removes temporary files older than `olderThanMs` under every data directory: what a copy
 * leaves when the function is stopped too abruptly to clean up after itself.
 *
 * @returns how many were removed
 */
export async function sweepTemporaryFiles(mountPath: string, olderThanMs: number): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  const visit = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await visit(p);
      } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
        const st = await lstatOrUndefined(p);
        if (st && st.mtimeMs < cutoff && await unlink(p).then(() => true, () => false)) removed++;
      }
    }
  };
  for (const directory of DATA_DIRECTORIES) {
    const dir = dataDirectoryPath(mountPath, directory);
    // A data directory that is a link leads somewhere the sweep has no business in.
    if ((await lstatOrUndefined(dir))?.isSymbolicLink()) continue;
    await visit(dir);
  }
  return removed;
}

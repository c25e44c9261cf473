/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * S3 side of the sync: decides, from the bucket's current state, what a file must become, and
 * makes it so. Events only say which key to look at, never what to do, so replayed and
 * reordered events converge on the bucket's state.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { MappedKey, mapKey, PREFIX_DIRECTORIES } from './keys';
import { fileState, removeFile, SyncConflict, sweepTemporaryFiles, targetPath, writeAtomically } from './local-files';

/** Writes one JSON log line. */
export type Logger = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What the sync needs from its surroundings. */
export interface SyncContext {
  readonly client: S3Client;
  readonly mountPath: string;
  readonly log: Logger;
  /** Epoch ms by which work must stop, leaving the function time to clean up and answer. */
  readonly deadline?: number;
  /** Abort a copy that receives nothing for this long. */
  readonly stallTimeoutMs: number;
}

/** One version of an object, as S3 reports it. */
interface ObjectVersion {
  readonly key: string;
  readonly etag?: string;
  readonly versionId?: string;
  readonly lastModified?: Date;
}

/** What handling one event did. */
export type SyncOutcome = 'copied' | 'removed' | 'already-absent' | 'object-gone' | 'object-exists';

/** Rounds of act-then-check before giving up and letting the event be retried. */
const MAX_ROUNDS = 4;

/** Temporary files older than this are leftovers: no copy runs longer than a function may (15 minutes). */
const TEMP_FILE_MAX_AGE_MS = 20 * 60_000;

/** Copies a re-sync runs side by side. */
const RESYNC_CONCURRENCY = 4;

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey';
}

function seconds(date: Date | undefined): number {
  return date ? Math.floor(date.getTime() / 1000) : 0;
}

async function headObject(ctx: SyncContext, bucket: string, key: string): Promise<ObjectVersion | undefined> {
  try {
    const res = await ctx.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { key, etag: res.ETag, versionId: res.VersionId, lastModified: res.LastModified };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every key that maps to the same file as `mapped` (`excel/x` and `excel-data/x`), in precedence order. */
function keysForFile(mapped: MappedKey): string[] {
  const rest = mapped.segments.join('/');
  return PREFIX_DIRECTORIES.filter(p => p.directory === mapped.directory).map(p => p.prefix + rest);
}

/**
 * The object that should fill a file: the newest of the keys mapping to it, the first prefix
 * winning a tie, so the choice depends only on the bucket and not on the order of events.
 */
function pickSource(versions: ReadonlyArray<ObjectVersion | undefined>): ObjectVersion | undefined {
  let best: ObjectVersion | undefined;
  for (const v of versions) {
    if (v && (!best || seconds(v.lastModified) > seconds(best.lastModified))) best = v;
  }
  return best;
}

function sameVersion(a: ObjectVersion | undefined, b: ObjectVersion | undefined): boolean {
  if (!a || !b) return a === b;
  return a.key === b.key && a.etag === b.etag && a.versionId === b.versionId;
}

/** Streams one object into its file. `undefined` when the object vanished before the GET. */
async function copyObject(ctx: SyncContext, bucket: string, key: string, mapped: MappedKey): Promise<ObjectVersion | undefined> {
  let res;
  try {
    res = await ctx.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const started = Date.now();
  const bytes = await writeAtomically(ctx.mountPath, mapped, res.Body as Readable, {
    expectedSize: res.ContentLength,
    mtime: res.LastModified,
    stallTimeoutMs: ctx.stallTimeoutMs,
    deadline: ctx.deadline,
  });
  ctx.log('info', 'copied', { key, path: targetPath(ctx.mountPath, mapped), bytes, ms: Date.now() - started });
  return { key, etag: res.ETag, versionId: res.VersionId, lastModified: res.LastModified };
}

/**
 * Brings the file for `mapped` in line with the bucket, after an event of the given kind.
 *
 * A create whose object is gone, and a delete whose object exists again, do nothing: the
 * event that made them so does the work. Otherwise the file is copied from (or removed like)
 * the bucket's current state, then that state is read again and the step repeated until the
 * two agree, so two invocations racing on one key still leave the newest state behind.
 */
export async function syncKey(ctx: SyncContext, bucket: string, mapped: MappedKey, event: 'created' | 'removed'): Promise<SyncOutcome> {
  const keys = keysForFile(mapped);
  const read = () => Promise.all(keys.map(k => headObject(ctx, bucket, k)));

  let versions = await read();
  const own = versions[keys.indexOf(mapped.key)];
  if (event === 'created' && !own) return 'object-gone';
  if (event === 'removed' && own) return 'object-exists';

  let outcome: SyncOutcome = 'already-absent';
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const source = pickSource(versions);
    let holds: ObjectVersion | undefined; // what the file holds now; undefined: no file
    let settled = true;
    if (source) {
      holds = await copyObject(ctx, bucket, source.key, mapped);
      if (holds) outcome = 'copied';
      else settled = false; // gone between HEAD and GET: act on what is there now
    } else if (await removeFile(ctx.mountPath, mapped)) {
      outcome = 'removed';
      ctx.log('info', 'removed', { key: mapped.key, path: targetPath(ctx.mountPath, mapped) });
    }
    versions = await read();
    if (settled && sameVersion(pickSource(versions), holds)) return outcome;
  }
  throw new Error(`${mapped.key} kept changing during ${MAX_ROUNDS} rounds of sync; leaving it to a retry`);
}

/** What a re-sync did. */
export interface ResyncSummary {
  /** Objects copied because their file was missing or differed. */
  readonly copied: number;
  /** Objects whose file already had their size and modification time. */
  readonly unchanged: number;
  /** Keys that map to no file (other prefixes, placeholders, refused keys). */
  readonly skipped: number;
  /** Objects the local tree cannot take (e.g. a directory where the file should go). */
  readonly conflicts: number;
  /** Objects whose copy failed. */
  readonly failed: number;
  /** Objects not looked at because time ran out. */
  readonly remaining: number;
  /** Temporary files left by interrupted copies, removed. */
  readonly sweptTemporaryFiles: number;
}

/**
 * Copies every object whose file is missing or differs (size, or modification time to the
 * second, as `aws s3 sync` compares), or every object with `force`. Removes nothing but
 * leftover temporary files: the data directories may hold files the dashboard wrote itself.
 */
export async function resync(ctx: SyncContext, bucket: string, options: { force?: boolean } = {}): Promise<ResyncSummary> {
  const sweptTemporaryFiles = await sweepTemporaryFiles(ctx.mountPath, TEMP_FILE_MAX_AGE_MS);

  // One source per file: the newest key, the first prefix winning a tie (as in syncKey).
  const sources = new Map<string, { mapped: MappedKey; size: number; lastModified?: Date }>();
  let skipped = 0;
  for (const { prefix } of PREFIX_DIRECTORIES) {
    let token: string | undefined;
    do {
      const page = await ctx.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const obj of page.Contents ?? []) {
        const mapped = obj.Key === undefined ? undefined : mapKey(obj.Key);
        if (mapped?.kind !== 'file') {
          skipped++;
          continue;
        }
        const path = targetPath(ctx.mountPath, mapped);
        const known = sources.get(path);
        if (!known || seconds(obj.LastModified) > seconds(known.lastModified)) {
          sources.set(path, { mapped, size: obj.Size ?? 0, lastModified: obj.LastModified });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  let copied = 0, unchanged = 0, conflicts = 0, failed = 0, remaining = 0;
  const queue = [...sources.values()];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) {
        remaining++;
        continue;
      }
      const local = await fileState(ctx.mountPath, item.mapped);
      if (!options.force && local && local.size === item.size && Math.floor(local.mtimeMs / 1000) === seconds(item.lastModified)) {
        unchanged++;
        continue;
      }
      try {
        const outcome = await syncKey(ctx, bucket, item.mapped, 'created');
        if (outcome === 'copied') copied++;
      } catch (err) {
        if (err instanceof SyncConflict) {
          conflicts++;
          ctx.log('warn', 'not synced: conflicts with the local tree', { key: item.mapped.key, reason: err.message });
        } else {
          failed++;
          ctx.log('error', 'copy failed', { key: item.mapped.key, error: String(err) });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: RESYNC_CONCURRENCY }, worker));
  return { copied, unchanged, skipped, conflicts, failed, remaining, sweptTemporaryFiles };
}

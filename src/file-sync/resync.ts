/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * The re-sync of the whole bucket: copies every object whose file is missing or differs, a
 * listing page at a time with many requests in flight, and says where to resume when it has to
 * stop. Where it stops and how the rest carries on is the continuation's concern.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SyncContext } from './context';
import { DATA_DIRECTORIES, PREFIX_DIRECTORIES } from './keys';
import { compareKeys, DirectoryListing, Listed, ListedFile } from './listing';
import { fileState, KnownDirectories, SyncConflict, sweepTemporaryFiles, targetPath, writeAtomically } from './local-files';
import { isNotFound, isPreconditionFailed, pickSource, sameVersion, seconds } from './objects';
import { SyncOutcome, syncKey } from './reconcile';
import { DEFAULT_RESYNC_CONCURRENCY } from '../private/shared/defaults';

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
  /** Objects not reached when the re-sync stopped before the end of the bucket (0 when it finished). */
  readonly remaining: number;
  /** Temporary files left by interrupted copies, removed. */
  readonly sweptTemporaryFiles: number;
  /** Where to resume (`{"resync": true, "continuation": ...}`) when the re-sync stopped before the end. */
  readonly continuation?: string;
  /**
   * A new invocation carries on from `continuation`: the counts are those so far, and the
   * function logs the final ones.
   */
  readonly continues?: boolean;
}

/** The counts of a re-sync, without what only its end knows. */
export type ResyncCounts = { -readonly [K in Exclude<keyof ResyncSummary, 'remaining' | 'continuation' | 'continues'>]: ResyncSummary[K] };

/** Where a re-sync stands: a data directory (index in DATA_DIRECTORIES) and the last path below it that is done. */
export interface ResyncPosition {
  readonly directory: number;
  readonly after?: string;
}

/** Options of {@link resync}. */
export interface ResyncOptions {
  /** Copy every object, even those whose file already has the same size and modification time. */
  readonly force?: boolean;
  /** Requests in flight. */
  readonly concurrency?: number;
  /** Resume here instead of at the start (the temporary-file sweep is then skipped). */
  readonly from?: ResyncPosition;
  /**
   * Take no new object from this time (epoch ms); copies under way go on until the context's
   * deadline. At least one object is taken per call, so a chain of calls always gets through.
   */
  readonly stopTaking?: number;
}

/** The result of one {@link resync} call. */
export interface ResyncResult {
  readonly counts: ResyncCounts;
  /** Where the next call must resume; absent when the whole bucket is done. */
  readonly next?: ResyncPosition;
}

/** Objects between checkpoints (and confirmation listings): one listing page. */
const BATCH = 1000;

/** Temporary files older than this are leftovers: no copy runs longer than a function may (15 minutes). */
const TEMP_FILE_MAX_AGE_MS = 20 * 60_000;

/** Counts of nothing done yet. */
export function noCounts(): ResyncCounts {
  return { copied: 0, unchanged: 0, skipped: 0, conflicts: 0, failed: 0, sweptTemporaryFiles: 0 };
}

/** The counts of two stretches of one re-sync together. */
export function addCounts(a: ResyncCounts | undefined, b: ResyncCounts): ResyncCounts {
  return a ? {
    copied: a.copied + b.copied,
    unchanged: a.unchanged + b.unchanged,
    skipped: a.skipped + b.skipped,
    conflicts: a.conflicts + b.conflicts,
    failed: a.failed + b.failed,
    sweptTemporaryFiles: a.sweptTemporaryFiles + b.sweptTemporaryFiles,
  } : b;
}

/**
 * Brings one file in line with the object the listing chose for it: skipped when size and
 * modification time match; otherwise one GET, conditional on the listed ETag. An object that
 * changed or vanished since the listing is synced as an event would be.
 *
 * @returns `listed` when the listed version was written (and is to be confirmed), else what was done
 */
async function resyncFile(ctx: SyncContext, bucket: string, source: Listed, force: boolean, known: KnownDirectories): Promise<'listed' | 'unchanged' | SyncOutcome> {
  const local = await fileState(ctx.mountPath, source.mapped);
  if (!force && local && local.size === source.size && Math.floor(local.mtimeMs / 1000) === seconds(source.lastModified)) {
    return 'unchanged';
  }
  let res;
  try {
    res = await ctx.client.send(new GetObjectCommand({ Bucket: bucket, Key: source.key, IfMatch: source.etag }));
  } catch (err) {
    if (!isNotFound(err) && !isPreconditionFailed(err)) throw err;
    return syncKey(ctx, bucket, source.mapped, 'created');
  }
  // Servers that ignore If-Match send whatever is current: the ETag tells.
  if (source.etag !== undefined && res.ETag !== source.etag) {
    (res.Body as Readable | undefined)?.destroy();
    return syncKey(ctx, bucket, source.mapped, 'created');
  }
  const started = Date.now();
  const bytes = await writeAtomically(ctx.mountPath, source.mapped, res.Body as Readable, {
    expectedSize: res.ContentLength,
    mtime: res.LastModified,
    stallTimeoutMs: ctx.stallTimeoutMs,
    deadline: ctx.deadline,
    known,
  });
  ctx.log('info', 'copied', { key: source.key, path: targetPath(ctx.mountPath, source.mapped), bytes, ms: Date.now() - started });
  return 'listed';
}

/**
 * Lists again the range a batch covered and syncs, as an event would, every file whose object
 * changed between the listing and the copy: the only case where the copy could have landed
 * after the work of that change's own event. One listing request per page, instead of a
 * request per object.
 */
async function confirmBatch(ctx: SyncContext, bucket: string, prefixes: readonly string[], after: string | undefined, last: string,
  written: readonly Listed[], counts: ResyncCounts): Promise<void> {
  const wanted = new Set(written.map(w => w.rest));
  const now = new Map<string, ListedFile>();
  const listing = new DirectoryListing(ctx, bucket, prefixes, after, () => undefined, false);
  for (let file = await listing.next(); file && compareKeys(file.rest, last) <= 0; file = await listing.next()) {
    if (wanted.has(file.rest)) now.set(file.rest, file);
    if (file.rest === last) break; // no need for the page after
  }
  for (const copied of written) {
    const file = now.get(copied.rest);
    if (sameVersion(file && pickSource(file.candidates), copied)) continue;
    const ownExists = file?.candidates.some(c => c?.key === copied.key) ?? false;
    ctx.log('info', 'changed during the re-sync: syncing it again', { key: copied.key });
    await settle(ctx, counts, copied.mapped.key, () => syncKey(ctx, bucket, copied.mapped, ownExists ? 'created' : 'removed'));
  }
}

/** Runs one file's sync, counting a conflict or a failure instead of throwing. `undefined` when it failed. */
async function settle<T>(ctx: SyncContext, counts: ResyncCounts, key: string, work: () => Promise<T>): Promise<T | 'cut' | undefined> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SyncConflict) {
      counts.conflicts++;
      ctx.log('warn', 'not synced: conflicts with the local tree', { key, reason: err.message });
    } else if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) {
      return 'cut'; // stopped by the time limit: the next invocation does it again
    } else {
      counts.failed++;
      ctx.log('error', 'copy failed', { key, error: String(err) });
    }
    return undefined;
  }
}

/**
 * Copies every object whose file is missing or differs (size, or modification time to the
 * second, as `aws s3 sync` compares), or every object with `force`. Removes nothing but
 * leftover temporary files: the data directories may hold files the dashboard wrote itself.
 *
 * Works through the bucket in key order, a listing page at a time, with `concurrency` requests
 * in flight, and stops taking objects at `stopTaking`: the result then says where to resume.
 */
export async function resync(ctx: SyncContext, bucket: string, options: ResyncOptions = {}): Promise<ResyncResult> {
  const counts = noCounts();
  if (!options.from) counts.sweptTemporaryFiles = await sweepTemporaryFiles(ctx.mountPath, TEMP_FILE_MAX_AGE_MS);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_RESYNC_CONCURRENCY);
  const stopAt = Math.min(options.stopTaking ?? Infinity, ctx.deadline ?? Infinity);
  const known = new KnownDirectories();
  let taken = 0;
  const stopping = () => taken > 0 && Date.now() >= stopAt;

  for (let d = options.from?.directory ?? 0; d < DATA_DIRECTORIES.length; d++) {
    const prefixes = PREFIX_DIRECTORIES.filter(p => p.directory === DATA_DIRECTORIES[d]).map(p => p.prefix);
    let after = d === options.from?.directory ? options.from.after : undefined;
    const listing = new DirectoryListing(ctx, bucket, prefixes, after, () => counts.skipped++);
    let confirming: Promise<void> = Promise.resolve();
    let ended = false;
    while (!ended) {
      // One batch: objects taken in path order, all finished before the checkpoint.
      const batch: string[] = [];
      const written: Listed[] = [];
      let firstCut = Infinity;
      const worker = async () => {
        while (!ended && batch.length < BATCH && !stopping()) {
          const file = await listing.next();
          if (!file) {
            ended = true;
            return;
          }
          const seq = batch.push(file.rest) - 1;
          taken++;
          const source = pickSource(file.candidates) as Listed;
          const outcome = await settle(ctx, counts, source.key, () => resyncFile(ctx, bucket, source, options.force === true, known));
          if (outcome === 'unchanged') {counts.unchanged++;} else if (outcome === 'listed') {
            counts.copied++;
            written.push(source);
          } else if (outcome === 'copied') {counts.copied++;} else if (outcome === 'cut') {firstCut = Math.min(firstCut, seq);}
        }
      };
      const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
      await confirming;
      const listingFailed = settled.find(s => s.status === 'rejected');
      if (listingFailed) throw (listingFailed as PromiseRejectedResult).reason;
      if (batch.length === 0) {
        if (ended) break;
        return { counts, next: { directory: d, after } }; // stopped before this batch
      }
      const last = batch.reduce((a, b) => (compareKeys(a, b) < 0 ? b : a));
      confirming = written.length > 0 ? confirmBatch(ctx, bucket, prefixes, after, last, written, counts) : Promise.resolve();
      if (firstCut !== Infinity || (!ended && stopping())) {
        await confirming;
        // Resume after the last object before the first one the time limit cut short.
        const done = [...batch].sort(compareKeys).slice(0, firstCut === Infinity ? batch.length : firstCut);
        const resumeAfter = done.length > 0 ? done[done.length - 1] : after;
        return { counts, next: { directory: d, after: resumeAfter } };
      }
      after = last;
    }
    await confirming;
  }
  return { counts };
}

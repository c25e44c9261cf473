/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * S3 side of the sync: decides, from the bucket's current state, what a file must become, and
 * makes it so. Events only say which key to look at, never what to do, so replayed and
 * reordered events converge on the bucket's state.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { DATA_DIRECTORIES, MappedKey, mapKey, PREFIX_DIRECTORIES } from './keys';
import { fileState, KnownDirectories, removeFile, SyncConflict, sweepTemporaryFiles, targetPath, writeAtomically } from './local-files';
import { DEFAULT_RESYNC_CONCURRENCY } from '../private/shared/defaults';

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

export function encodePosition(position: ResyncPosition): string {
  return Buffer.from(JSON.stringify([position.directory, position.after ?? null])).toString('base64url');
}

/** Reads a continuation token; throws a clear error for anything else. */
export function decodePosition(token: string): ResyncPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isInteger(value[0]) || value[0] < 0 || value[0] > DATA_DIRECTORIES.length
    || (value[1] !== null && typeof value[1] !== 'string')) {
    throw new Error(`not a continuation token of this function: ${JSON.stringify(token).slice(0, 100)}`);
  }
  return { directory: value[0], after: value[1] ?? undefined };
}

/** A listed object that maps to a file. */
interface Listed extends ObjectVersion {
  /** The key without its prefix: the file's path below its data directory. */
  readonly rest: string;
  readonly mapped: MappedKey;
  readonly size: number;
}

/** S3 lists keys in the order of their UTF-8 bytes, which JavaScript's string order is not. */
function compareKeys(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Where the page after `page` starts: after its last key. StartAfter rather than the
 * continuation token, which some S3-compatible servers cannot make (s3rver on OpenSSL 3).
 */
function nextPage(page: ListObjectsV2CommandOutput): { StartAfter?: string; ContinuationToken?: string } | undefined {
  if (!page.IsTruncated) return undefined;
  const last = page.Contents?.[page.Contents.length - 1]?.Key;
  if (last !== undefined) return { StartAfter: last };
  return page.NextContinuationToken ? { ContinuationToken: page.NextContinuationToken } : undefined;
}

/** One prefix's objects in key order, after a given path, with the next page fetched ahead. */
class PrefixListing {
  private items: Listed[] = [];
  private index = 0;
  private pending?: Promise<ListObjectsV2CommandOutput>;
  private more?: { StartAfter?: string; ContinuationToken?: string };

  constructor(private readonly ctx: SyncContext, private readonly bucket: string, private readonly prefix: string,
    after: string | undefined, private readonly onSkip: () => void, private readonly readAhead: boolean) {
    this.pending = this.fetch({ StartAfter: after === undefined ? undefined : prefix + after });
  }

  private fetch(params: { StartAfter?: string; ContinuationToken?: string }): Promise<ListObjectsV2CommandOutput> {
    const page = this.ctx.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ...params }));
    page.catch(() => undefined); // a page read ahead may never be awaited
    return page;
  }

  /** The next object, or `undefined` at the end. */
  async peek(): Promise<Listed | undefined> {
    while (this.index >= this.items.length) {
      if (!this.pending && this.more) this.pending = this.fetch(this.more);
      this.more = undefined;
      if (!this.pending) return undefined;
      const page = await this.pending;
      this.pending = undefined;
      const more = nextPage(page);
      const fetchMore = () => this.fetch(more!);
      if (more && this.readAhead) this.pending = fetchMore();
      this.items = [];
      this.index = 0;
      for (const obj of page.Contents ?? []) {
        const mapped = obj.Key === undefined ? undefined : mapKey(obj.Key);
        if (mapped?.kind !== 'file') {
          this.onSkip();
          continue;
        }
        const rest = mapped.key.slice(this.prefix.length);
        this.items.push({ key: mapped.key, rest, mapped, etag: obj.ETag, size: obj.Size ?? 0, lastModified: obj.LastModified });
      }
      if (!this.pending) this.more = more; // fetched only if asked for
    }
    return this.items[this.index];
  }

  shift(): void {
    this.index++;
  }
}

/** A file of a data directory and the objects of each of its prefixes that map to it, in precedence order. */
interface ListedFile {
  readonly rest: string;
  readonly candidates: ReadonlyArray<Listed | undefined>;
}

/**
 * The files of one data directory in path order, merged from the listings of its prefixes
 * (`excel-data/` and `excel/`), so that every key mapping to a file is seen at once while
 * memory holds no more than a page per prefix, whatever the size of the bucket.
 */
class DirectoryListing {
  private readonly listings: PrefixListing[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: SyncContext, bucket: string, prefixes: readonly string[], after: string | undefined, onSkip: () => void, readAhead = true) {
    this.listings = prefixes.map(p => new PrefixListing(ctx, bucket, p, after, onSkip, readAhead));
  }

  /** The next file, or `undefined` at the end; calls are served one at a time, in order. */
  next(): Promise<ListedFile | undefined> {
    const result = this.queue.then(() => this.take());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async take(): Promise<ListedFile | undefined> {
    const heads = this.listings.length === 1 ? [await this.listings[0].peek()] : await Promise.all(this.listings.map(l => l.peek()));
    let first: string | undefined;
    for (const head of heads) {
      if (head && (first === undefined || compareKeys(head.rest, first) < 0)) first = head.rest;
    }
    if (first === undefined) return undefined;
    const candidates = heads.map((head, i) => {
      if (head?.rest !== first) return undefined;
      this.listings[i].shift();
      return head;
    });
    return { rest: first, candidates };
  }
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === 412 || e?.name === 'PreconditionFailed';
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
  const counts: ResyncCounts = { copied: 0, unchanged: 0, skipped: 0, conflicts: 0, failed: 0, sweptTemporaryFiles: 0 };
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

/**
 * Counts the objects from a position to the end of the bucket, until `until` (epoch ms).
 *
 * @returns the count, and whether it reached the end
 */
export async function countRemaining(ctx: SyncContext, bucket: string, from: ResyncPosition,
  until?: number): Promise<{ count: number; complete: boolean }> {
  let count = 0;
  for (let d = from.directory; d < DATA_DIRECTORIES.length; d++) {
    for (const { prefix } of PREFIX_DIRECTORIES.filter(p => p.directory === DATA_DIRECTORIES[d])) {
      const after = d === from.directory ? from.after : undefined;
      let params: { StartAfter?: string; ContinuationToken?: string } | undefined = { StartAfter: after === undefined ? undefined : prefix + after };
      while (params) {
        if (until !== undefined && Date.now() >= until) return { count, complete: false };
        const page = await ctx.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...params }));
        count += (page.Contents ?? []).filter(o => o.Key !== undefined && mapKey(o.Key).kind === 'file').length;
        params = nextPage(page);
      }
    }
  }
  return { count, complete: true };
}

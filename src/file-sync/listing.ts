/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * The bucket listed file by file in path order, a page at a time: what the re-sync works
 * through, and what it counts when it stops early.
 */
import { ListObjectsV2Command, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { SyncContext } from './context';
import { MappedKey, mapKey } from './keys';
import type { ObjectVersion } from './objects';

/** A listed object that maps to a file. */
export interface Listed extends ObjectVersion {
  /** The key without its prefix: the file's path below its data directory. */
  readonly rest: string;
  readonly mapped: MappedKey;
  readonly size: number;
}

/** S3 lists keys in the order of their UTF-8 bytes, which JavaScript's string order is not. */
export function compareKeys(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Where the page after `page` starts: after its last key. StartAfter rather than the
 * continuation token, which some S3-compatible servers cannot make (s3rver on OpenSSL 3).
 */
export function nextPage(page: ListObjectsV2CommandOutput): { StartAfter?: string; ContinuationToken?: string } | undefined {
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
export interface ListedFile {
  readonly rest: string;
  readonly candidates: ReadonlyArray<Listed | undefined>;
}

/**
 * The files of one data directory in path order, merged from the listings of its prefixes
 * (`excel-data/` and `excel/`), so that every key mapping to a file is seen at once while
 * memory holds no more than a page per prefix, whatever the size of the bucket.
 */
export class DirectoryListing {
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

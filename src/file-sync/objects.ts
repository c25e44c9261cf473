/**
 * Versions of S3 objects and which one fills a file: the rules that the per-event sync and the
 * re-sync share, so both leave the same file behind for the same bucket.
 */

/** One version of an object, as S3 reports it. */
export interface ObjectVersion {
  readonly key: string;
  readonly etag?: string;
  readonly versionId?: string;
  readonly lastModified?: Date;
}

/**
 * The object that should fill a file: the newest of the keys mapping to it, the first prefix
 * winning a tie, so the choice depends only on the bucket and not on the order of events.
 */
export function pickSource<V extends ObjectVersion>(versions: ReadonlyArray<V | undefined>): V | undefined {
  let best: V | undefined;
  for (const v of versions) {
    if (v && (!best || seconds(v.lastModified) > seconds(best.lastModified))) best = v;
  }
  return best;
}

export function sameVersion(a: ObjectVersion | undefined, b: ObjectVersion | undefined): boolean {
  if (!a || !b) return a === b;
  return a.key === b.key && a.etag === b.etag && a.versionId === b.versionId;
}

/** A modification time in whole seconds, the precision files and S3 listings share. */
export function seconds(date: Date | undefined): number {
  return date ? Math.floor(date.getTime() / 1000) : 0;
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey';
}

export function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === 412 || e?.name === 'PreconditionFailed';
}

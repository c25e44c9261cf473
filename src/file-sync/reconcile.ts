/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * The sync of one key after its event: decides, from the bucket's current state, what the file
 * must become, and makes it so. Events only say which key to look at, never what to do, so
 * replayed and reordered events converge on the bucket's state.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { SyncContext } from './context';
import { MappedKey, PREFIX_DIRECTORIES } from './keys';
import { removeFile, targetPath, writeAtomically } from './local-files';
import { isNotFound, ObjectVersion, pickSource, sameVersion } from './objects';

/** What handling one event did. */
export type SyncOutcome = 'copied' | 'removed' | 'already-absent' | 'object-gone' | 'object-exists';

/** Rounds of act-then-check before giving up and letting the event be retried. */
const MAX_ROUNDS = 4;

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

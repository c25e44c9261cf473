/**
 * The sync function: keeps the dashboard's data directories on EFS in line with the uploads
 * bucket. It takes three kinds of event:
 *
 * - S3 event notifications (`Records[]`, ObjectCreated and ObjectRemoved): syncs each key.
 * - `{ "resync": true }` (optionally `"force": true`): copies every object whose file is
 *   missing or differs, and answers with a summary. This is the on-demand re-sync.
 * - A CloudFormation custom-resource request: the same re-sync, run at deploy time.
 *
 * Environment: `MOUNT_PATH` (default `/mnt/efs`), `BUCKET_NAME` (for re-syncs),
 * `SYNC_STALL_TIMEOUT_MS` (default 30 s). The S3 client takes the SDK's defaults, so
 * `AWS_ENDPOINT_URL_S3` points it at any S3-compatible server.
 *
 * It throws only for failures worth a retry; keys it will never sync are logged and skipped.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context, S3EventRecord } from 'aws-lambda';
import { decodeEventKey, mapKey } from './keys';
import { SyncConflict } from './local-files';
import { Logger, resync, ResyncSummary, SyncContext, syncKey } from './syncer';

const DEFAULT_MOUNT_PATH = '/mnt/efs';

/** A copy that receives no byte for this long is abandoned (and retried). */
const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** The on-demand re-sync request. */
export interface ResyncRequest {
  readonly resync: true;
  /** Copy every object, even those whose file already has the same size and modification time. */
  readonly force?: boolean;
}

let client: S3Client | undefined;

const log: Logger = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

function syncContext(context: Partial<Context> | undefined): SyncContext {
  // Created on first use, so tests can set AWS_ENDPOINT_URL_S3 before the first event.
  client ??= new S3Client({});
  // In Lambda, stop with a tenth of the time (at most 10 s) left, to clean up and report before
  // the function is stopped. Elsewhere nothing stops it, whatever a context may claim.
  const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  const remaining = inLambda && typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const deadline = remaining === undefined ? undefined : Date.now() + remaining - Math.min(10_000, remaining / 10);
  const stall = Number(process.env.SYNC_STALL_TIMEOUT_MS);
  return {
    client,
    mountPath: process.env.MOUNT_PATH || DEFAULT_MOUNT_PATH,
    log,
    deadline,
    stallTimeoutMs: stall > 0 ? stall : DEFAULT_STALL_TIMEOUT_MS,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function handleRecords(records: S3EventRecord[], ctx: SyncContext): Promise<void> {
  const failures: string[] = [];
  for (const record of records) {
    const eventName = record?.eventName ?? '';
    const event = /^(s3:)?ObjectCreated:/.test(eventName) ? 'created' : /^(s3:)?ObjectRemoved:/.test(eventName) ? 'removed' : undefined;
    const bucket = record?.s3?.bucket?.name;
    const rawKey = record?.s3?.object?.key;
    if (!event || !bucket || typeof rawKey !== 'string') {
      log('warn', 'skipped: not an object event', { eventName, bucket, key: rawKey });
      continue;
    }
    const key = decodeEventKey(rawKey);
    if (key === undefined) {
      log('warn', 'skipped: refused key', { rawKey, reason: 'malformed URL encoding' });
      continue;
    }
    const mapped = mapKey(key);
    if (mapped.kind === 'skip') {
      log(mapped.reason === 'refused' ? 'warn' : 'info', `skipped: ${mapped.reason}`, { key, reason: mapped.detail });
      continue;
    }
    try {
      const outcome = await syncKey(ctx, bucket, mapped, event);
      log('info', 'synced', { eventName, key, outcome });
    } catch (err) {
      if (err instanceof SyncConflict) {
        log('warn', 'skipped: conflicts with the local tree', { key, reason: err.message });
      } else {
        log('error', 'sync failed', { eventName, key, error: errorText(err) });
        failures.push(`${key}: ${errorText(err)}`);
      }
    }
  }
  // Every record is handled before failing, and handling is idempotent, so a retry is safe.
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${records.length} records failed: ${failures.join('; ')}`);
  }
}

function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  const e = event as Partial<CloudFormationCustomResourceEvent> | undefined;
  return typeof e?.RequestType === 'string' && typeof e.ResponseURL === 'string';
}

/** Answers CloudFormation through the pre-signed URL of the request (a few attempts). */
async function sendCustomResourceResponse(url: string, body: Record<string, unknown>): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const put = () => new Promise<void>((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, {
      method: 'PUT',
      // The URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': payload.length },
      timeout: 10_000,
    }, res => {
      res.resume();
      res.on('end', () => (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`response upload returned ${res.statusCode}`)));
    });
    request.on('timeout', () => request.destroy(new Error('response upload timed out')));
    request.on('error', reject);
    request.end(payload);
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return await put();
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise(r => setTimeout(r, 1000 * attempt));
    }
  }
}

/**
 * The deploy-time sync. A failed re-sync fails a Create (a new stack rolls back cleanly), but
 * only logs on Update, where failing could leave the stack stuck in a failed rollback; the
 * on-demand re-sync repairs it. Delete does nothing: files outlive the stack's resources.
 */
async function handleCustomResource(event: CloudFormationCustomResourceEvent, ctx: SyncContext): Promise<void> {
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'ok';
  let data: Record<string, number> | undefined;
  if (event.RequestType !== 'Delete') {
    const bucket = String(event.ResourceProperties.BucketName ?? process.env.BUCKET_NAME ?? '');
    try {
      const summary = await resync(ctx, bucket);
      data = { ...summary };
      log(summary.failed + summary.remaining > 0 ? 'error' : 'info', 'deploy-time re-sync', { ...summary });
      if (summary.failed + summary.remaining > 0) {
        reason = `re-sync incomplete: ${summary.failed} failed, ${summary.remaining} not reached (see the function's log)`;
        if (event.RequestType === 'Create') status = 'FAILED';
      }
    } catch (err) {
      log('error', 'deploy-time re-sync failed', { error: errorText(err) });
      reason = `re-sync failed: ${errorText(err)}`;
      if (event.RequestType === 'Create') status = 'FAILED';
    }
  }
  await sendCustomResourceResponse(event.ResponseURL, {
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-file-sync`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
}

/**
 * Entry point. See the module comment for the events it takes.
 *
 * @returns for a re-sync request, what it did; otherwise nothing
 */
export async function handler(event: unknown, context?: Context): Promise<ResyncSummary | void> {
  const ctx = syncContext(context);
  const e = event as { Records?: unknown; resync?: unknown; force?: unknown; Event?: unknown } | undefined;

  if (Array.isArray(e?.Records)) {
    return handleRecords(e.Records as S3EventRecord[], ctx);
  }
  if (e?.resync === true) {
    const bucket = process.env.BUCKET_NAME;
    if (!bucket) throw new Error('BUCKET_NAME is not set');
    const summary = await resync(ctx, bucket, { force: e.force === true });
    log(summary.failed + summary.remaining > 0 ? 'error' : 'info', 're-sync', { ...summary });
    return summary;
  }
  if (isCustomResourceEvent(event)) {
    return handleCustomResource(event, ctx);
  }
  // S3 sends s3:TestEvent when notifications are configured; anything else is not ours either.
  log('info', 'ignored: not a sync event', { event: typeof e?.Event === 'string' ? e.Event : undefined });
}

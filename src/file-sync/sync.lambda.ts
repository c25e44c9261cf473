/**
 * The sync function: keeps the dashboard's data directories on EFS in line with the uploads
 * bucket. It takes three kinds of event:
 *
 * - S3 event notifications (`Records[]`, ObjectCreated and ObjectRemoved): syncs each key.
 * - `{ "resync": true }` (optionally `"force": true`, `"continuation": "<token>"`): copies every
 *   object whose file is missing or differs, and answers with a summary. This is the on-demand
 *   re-sync. When the function's time runs short it hands the rest to a new invocation of
 *   itself (asynchronous, carrying where it stopped and the counts so far), until the bucket
 *   is done.
 * - A CloudFormation custom-resource request: the same re-sync, run at deploy time. The
 *   invocation that ends the chain (finished, failed or out of time) answers CloudFormation,
 *   once, through the response URL the chain carries.
 *
 * Environment: `MOUNT_PATH` (default `/mnt/efs`), `DATA_ROOT` (where the data directories are
 * below it: `var/panintelligence` by default, `.` when an access point is rooted there),
 * `BUCKET_NAME` (the one bucket it syncs: events
 * and requests for another are refused),
 * `SYNC_CONCURRENCY` (requests in flight during a re-sync, default 16), `SYNC_STALL_TIMEOUT_MS`
 * (default 30 s). The clients take the SDK's defaults, so `AWS_ENDPOINT_URL_S3` and
 * `AWS_ENDPOINT_URL_LAMBDA` point them at local servers.
 *
 * It throws only for failures worth a retry; keys it will never sync are logged and skipped.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3EventRecord } from 'aws-lambda';
import { answer, isCustomResourceRequest, pendingResponseOf, type CustomResourceRequest } from './cfn-response';
import { errorText, Logger, SyncContext } from './context';
import { Chain, decodePosition, incomplete, ResyncOutcome, resyncInvocation } from './continuation';
import { answerDue, before, copyDeadline, countingDue, invocationEnd } from './deadline';
import { decodeEventKey, mapKey } from './keys';
import { SyncConflict } from './local-files';
import { syncKey } from './reconcile';
import { responseUrlProblem } from './response-url';
import { noCounts, ResyncSummary } from './resync';
import { DEFAULT_RESYNC_CONCURRENCY } from '../private/shared/defaults';

const DEFAULT_MOUNT_PATH = '/mnt/efs';

/** A copy that receives no byte for this long is abandoned (and retried). */
const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** The on-demand re-sync request. */
export interface ResyncRequest {
  readonly resync: true;
  /** Copy every object, even those whose file already has the same size and modification time. */
  readonly force?: boolean;
  /** Resume where an earlier re-sync stopped (its summary's `continuation`). */
  readonly continuation?: string;
}

let client: S3Client | undefined;

const log: Logger = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

function syncContext(end: number | undefined): SyncContext {
  // Created on first use, so tests can set AWS_ENDPOINT_URL_S3 before the first event.
  client ??= new S3Client({});
  const stall = Number(process.env.SYNC_STALL_TIMEOUT_MS);
  return {
    client,
    mountPath: process.env.MOUNT_PATH || DEFAULT_MOUNT_PATH,
    log,
    deadline: copyDeadline(end),
    stallTimeoutMs: stall > 0 ? stall : DEFAULT_STALL_TIMEOUT_MS,
  };
}

function requestedConcurrency(): number {
  const n = Number(process.env.SYNC_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_RESYNC_CONCURRENCY;
}

/** The bucket this function was deployed for: the only one it reads. */
function ownBucket(): string {
  const bucket = process.env.BUCKET_NAME;
  if (!bucket) throw new Error('BUCKET_NAME is not set');
  return bucket;
}

async function handleRecords(records: S3EventRecord[], ctx: SyncContext): Promise<void> {
  const own = ownBucket();
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
    if (bucket !== own) {
      log('warn', 'refused: an event of another bucket', { eventName, bucket });
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

/**
 * A re-sync invocation, on demand or as part of a deploy-time chain. A chain that must answer
 * CloudFormation always does, from the invocation that ends it: on success, on failure, and
 * when time runs out (the work is raced against the function's deadline).
 */
async function handleResync(e: Record<string, unknown>, ctx: SyncContext, end: number | undefined, bucket: string,
  chain: Chain | undefined): Promise<ResyncSummary> {
  const respondTo = chain?.respondTo;
  const answerAt = answerDue(end, ctx.deadline);
  let outcome: ResyncOutcome | undefined;
  let failure: unknown;
  try {
    const from = typeof e.continuation === 'string' ? decodePosition(e.continuation) : undefined;
    const countUntil = countingDue(ctx.deadline, answerAt);
    const share = { bucket, force: e.force === true, from, chain, concurrency: requestedConcurrency(), countUntil };
    outcome = await before(resyncInvocation(ctx, share), answerAt);
  } catch (err) {
    failure = err;
  }
  if (outcome?.handedOff) return outcome.summary;

  const problem = failure !== undefined ? `re-sync failed: ${errorText(failure)}` : incomplete(outcome!);
  const fields = { ...(outcome?.summary ?? chain?.counts), invocations: (chain?.invocations ?? 0) + 1, error: problem };
  log(problem ? 'error' : 'info', respondTo ? 'deploy-time re-sync' : 're-sync', fields);
  if (respondTo) {
    await answer(respondTo, problem, outcome ? { ...outcome.summary, continues: undefined } : undefined);
    return outcome?.summary ?? { ...(chain?.counts ?? noCounts()), remaining: 0 };
  }
  // On demand: worth a retry (which resumes where this invocation started).
  if (failure !== undefined) throw failure;
  return outcome!.summary;
}

/**
 * The deploy-time sync: starts a re-sync chain that answers the request when it ends, within
 * `TimeLimitSeconds` (a resource property) of now, before CloudFormation stops waiting.
 * Delete does nothing: files outlive the stack's resources.
 */
async function handleCustomResource(request: CustomResourceRequest, ctx: SyncContext, end: number | undefined): Promise<void> {
  const respondTo = pendingResponseOf(request);
  if (request.RequestType === 'Delete') {
    await answer(respondTo, undefined);
    return;
  }
  const bucket = ownBucket();
  const limit = Number(request.ResourceProperties.TimeLimitSeconds);
  const chain: Chain = {
    bucket,
    counts: noCounts(),
    invocations: 0,
    stopBy: limit > 0 ? Date.now() + limit * 1000 : undefined,
    respondTo,
  };
  if (request.ResourceProperties.BucketName !== bucket) {
    const reason = `refused: the request names the bucket ${JSON.stringify(request.ResourceProperties.BucketName)}, this function syncs ${bucket} only`;
    log('error', 'deploy-time re-sync', { error: reason });
    await answer(respondTo, reason);
    return;
  }
  await handleResync({ resync: true }, ctx, end, bucket, chain);
}

/**
 * Entry point. See the module comment for the events it takes.
 *
 * @returns for a re-sync request, what it did; otherwise nothing
 */
export async function handler(event: unknown, context?: Context): Promise<ResyncSummary | void> {
  const end = invocationEnd(context);
  const ctx = syncContext(end);
  const e = event as { Records?: unknown; resync?: unknown; chain?: Chain; Event?: unknown } | undefined;

  if (Array.isArray(e?.Records)) {
    return handleRecords(e.Records as S3EventRecord[], ctx);
  }
  if (e?.resync === true) {
    const chain = e.chain;
    const bucket = ownBucket();
    // A continuation carries what its chain was started for; one that names another bucket or
    // answers anywhere but CloudFormation was not started by this function.
    const refusal = chain?.bucket !== undefined && chain.bucket !== bucket ? `it names the bucket ${JSON.stringify(chain.bucket)}`
      : chain?.respondTo !== undefined ? responseUrlProblem(chain.respondTo.ResponseURL) : undefined;
    if (refusal) {
      log('error', 'refused: a re-sync continuation that is not this function\'s', { reason: refusal });
      return undefined;
    }
    return handleResync(e as Record<string, unknown>, ctx, end, bucket, chain);
  }
  if (isCustomResourceRequest(event)) {
    // Answering at any other URL would send the summary wherever the caller chose.
    const problem = responseUrlProblem(event.ResponseURL);
    if (problem) {
      log('error', 'refused: a CloudFormation request whose response URL is not CloudFormation\'s', { reason: problem });
      return undefined;
    }
    return handleCustomResource(event, ctx, end);
  }
  // S3 sends s3:TestEvent when notifications are configured; anything else is not ours either.
  log('info', 'ignored: not a sync event', { event: typeof e?.Event === 'string' ? e.Event : undefined });
}

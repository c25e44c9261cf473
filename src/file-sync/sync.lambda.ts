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
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context, S3EventRecord } from 'aws-lambda';
import { decodeEventKey, DEFAULT_RESYNC_CONCURRENCY, mapKey } from './keys';
import { SyncConflict } from './local-files';
import { responseUrlProblem } from './response-url';
import {
  countRemaining, decodePosition, encodePosition, Logger, resync, ResyncCounts, ResyncPosition,
  ResyncSummary, SyncContext, syncKey,
} from './syncer';

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

/** The CloudFormation request a deploy-time re-sync answers when it ends. */
interface PendingResponse {
  readonly RequestType: 'Create' | 'Update';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId: string;
}

/** What a re-sync that continues in a new invocation carries there. */
interface Chain {
  /** Counts of the invocations so far. */
  readonly counts: ResyncCounts;
  /** Invocations so far. */
  readonly invocations: number;
  /** Epoch ms at which the chain stops and reports, done or not (the deploy-time budget). */
  readonly stopBy?: number;
  /** The CloudFormation request to answer at the end. */
  readonly respondTo?: PendingResponse;
  /** The bucket, when the request named it (CloudFormation's does). */
  readonly bucket?: string;
}

/** How a re-sync invocation ended. */
interface ResyncOutcome {
  readonly summary: ResyncSummary;
  /** A new invocation carries on (and answers CloudFormation, if anyone must). */
  readonly handedOff: boolean;
  /** `remaining` is a lower bound: counting stopped at the time limit. */
  readonly remainingAtLeast: boolean;
}

let client: S3Client | undefined;
let lambdaClient: LambdaClient | undefined;

const log: Logger = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

/** Epoch ms at which Lambda stops this invocation; `undefined` outside Lambda, where nothing stops it. */
function invocationEnd(context: Partial<Context> | undefined): number | undefined {
  const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return inLambda && typeof context?.getRemainingTimeInMillis === 'function' ? Date.now() + context.getRemainingTimeInMillis() : undefined;
}

function syncContext(end: number | undefined): SyncContext {
  // Created on first use, so tests can set AWS_ENDPOINT_URL_S3 before the first event.
  client ??= new S3Client({});
  // Copies stop with a tenth of the time (at most 30 s) left, to clean up, hand over or report
  // before the function is stopped.
  const remaining = end === undefined ? undefined : end - Date.now();
  const deadline = end === undefined || remaining === undefined ? undefined : end - Math.min(30_000, remaining / 10);
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

function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  const e = event as Partial<CloudFormationCustomResourceEvent> | undefined;
  return typeof e?.RequestType === 'string' && typeof e.ResponseURL === 'string';
}

/** Answers CloudFormation through the pre-signed URL of the request (a few short attempts). */
async function sendCustomResourceResponse(url: string, body: Record<string, unknown>): Promise<void> {
  const problem = responseUrlProblem(url);
  if (problem) throw new Error(`refused to send the answer: ${problem}`);
  const payload = Buffer.from(JSON.stringify(body));
  const put = () => new Promise<void>((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, {
      method: 'PUT',
      // The URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': payload.length },
      timeout: 4000,
    }, res => {
      res.resume();
      res.on('end', () => (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`response upload returned ${res.statusCode}`)));
    });
    request.on('timeout', () => request.destroy(new Error('response upload timed out')));
    request.on('error', reject);
    request.end(payload);
  });
  // Three attempts fit in the time the function keeps for answering (at most 15 s).
  for (let attempt = 1; ; attempt++) {
    try {
      return await put();
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise(r => setTimeout(r, 500 * attempt));
    }
  }
}

function requestedConcurrency(): number {
  const n = Number(process.env.SYNC_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_RESYNC_CONCURRENCY;
}

const sum = (a: ResyncCounts | undefined, b: ResyncCounts): ResyncCounts => (a ? {
  copied: a.copied + b.copied,
  unchanged: a.unchanged + b.unchanged,
  skipped: a.skipped + b.skipped,
  conflicts: a.conflicts + b.conflicts,
  failed: a.failed + b.failed,
  sweptTemporaryFiles: a.sweptTemporaryFiles + b.sweptTemporaryFiles,
} : b);

/** Starts the next invocation of this function, which returns as soon as Lambda has queued it. */
async function invokeSelf(payload: Record<string, unknown>): Promise<void> {
  // Fail fast where the Lambda API cannot be reached: the chain then stops and reports.
  lambdaClient ??= new LambdaClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 } });
  await lambdaClient.send(new InvokeCommand({
    FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    InvocationType: 'Event',
    Payload: Buffer.from(JSON.stringify(payload)),
  }));
}

/**
 * One invocation's share of a re-sync: works until the time runs short, then hands the rest to
 * a new invocation; where that is impossible (outside Lambda, no way to invoke, the chain's
 * budget spent) it stops and counts what is left.
 */
async function resyncInvocation(ctx: SyncContext, bucket: string, force: boolean, from: ResyncPosition | undefined,
  chain: Chain | undefined, countUntil: number | undefined): Promise<ResyncOutcome> {
  const invocations = (chain?.invocations ?? 0) + 1;
  // Take no new object once a tenth of the remaining time (at most a minute) is left, so copies
  // under way can finish before the deadline cuts them.
  const now = Date.now();
  const latest = Math.min(ctx.deadline ?? Infinity, chain?.stopBy ?? Infinity);
  const stopTaking = latest === Infinity ? undefined : latest - Math.min(60_000, Math.max(0, latest - now) / 10);
  const result = await resync({ ...ctx, deadline: latest === Infinity ? undefined : latest }, bucket, {
    force, from, concurrency: requestedConcurrency(), stopTaking,
  });
  const counts = sum(chain?.counts, result.counts);
  if (!result.next) {
    return { summary: { ...counts, remaining: 0 }, handedOff: false, remainingAtLeast: false };
  }
  const continuation = encodePosition(result.next);
  const budgetLeft = chain?.stopBy === undefined || Date.now() < chain.stopBy;
  if (process.env.AWS_LAMBDA_FUNCTION_NAME && budgetLeft) {
    const next: Chain = { ...chain, counts, invocations };
    try {
      await invokeSelf({ resync: true, force: force || undefined, continuation, chain: next });
      log('info', 're-sync continues in a new invocation', { ...counts, invocation: invocations, continuation });
      return { summary: { ...counts, remaining: 0, continuation, continues: true }, handedOff: true, remainingAtLeast: false };
    } catch (err) {
      log('error', 'could not continue the re-sync in a new invocation', { error: errorText(err), continuation });
    }
  }
  const left = await countRemaining(ctx, bucket, result.next, countUntil);
  return { summary: { ...counts, remaining: left.count, continuation }, handedOff: false, remainingAtLeast: !left.complete };
}

/** Settles `work`, or rejects at `at` (epoch ms) if it is still running, so the function can still answer. */
function before<T>(work: Promise<T>, at: number | undefined): Promise<T> {
  if (at === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the re-sync did not finish before the function time limit')), Math.max(0, at - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** How to finish an incomplete re-sync, for people reading the reason or the log. */
function resumeHint(summary: ResyncSummary): string {
  const payload = summary.failed === 0 && summary.continuation ? `{"resync":true,"continuation":"${summary.continuation}"}` : '{"resync":true}';
  return `to finish, run the on-demand re-sync: aws lambda invoke --function-name ${process.env.AWS_LAMBDA_FUNCTION_NAME ?? '<sync function>'} `
    + `--invocation-type Event --cli-binary-format raw-in-base64-out --payload '${payload}' /dev/null`;
}

function incomplete(outcome: ResyncOutcome): string | undefined {
  const { summary } = outcome;
  if (summary.failed + summary.remaining === 0 && !summary.continuation) return undefined;
  const left = summary.continuation ? `${summary.remaining}${outcome.remainingAtLeast ? ' or more' : ''} not copied yet` : 'none left';
  return `re-sync incomplete: ${summary.failed} failed, ${left} (see the function's log); ${resumeHint(summary)}`;
}

/**
 * A re-sync invocation, on demand or as part of a deploy-time chain. A chain that must answer
 * CloudFormation always does, from the invocation that ends it: on success, on failure, and
 * when time runs out (the work is raced against the function's deadline).
 *
 * A failed or incomplete re-sync fails a Create (a new stack rolls back cleanly), but only logs
 * on Update, where failing could leave the stack stuck in a failed rollback; the on-demand
 * re-sync repairs it.
 */
async function handleResync(e: Record<string, unknown>, ctx: SyncContext, end: number | undefined, bucket: string,
  chain: Chain | undefined): Promise<ResyncSummary> {
  const respondTo = chain?.respondTo;
  // Half the time kept after the copies' deadline is for answering.
  const answerAt = end === undefined || ctx.deadline === undefined ? undefined : ctx.deadline + (end - ctx.deadline) / 2;
  let outcome: ResyncOutcome | undefined;
  let failure: unknown;
  try {
    const from = typeof e.continuation === 'string' ? decodePosition(e.continuation) : undefined;
    // Counting what is left may use half the time between the copies' deadline and the answer.
    const countUntil = answerAt === undefined ? undefined : answerAt - (answerAt - ctx.deadline!) / 2;
    outcome = await before(resyncInvocation(ctx, bucket, e.force === true, from, chain, countUntil), answerAt);
  } catch (err) {
    failure = err;
  }
  if (outcome?.handedOff) return outcome.summary;

  const problem = failure !== undefined ? `re-sync failed: ${errorText(failure)}` : incomplete(outcome!);
  const fields = { ...(outcome?.summary ?? chain?.counts), invocations: (chain?.invocations ?? 0) + 1, error: problem };
  log(problem ? 'error' : 'info', respondTo ? 'deploy-time re-sync' : 're-sync', fields);
  if (respondTo) {
    await sendCustomResourceResponse(respondTo.ResponseURL, {
      Status: problem && respondTo.RequestType === 'Create' ? 'FAILED' : 'SUCCESS',
      Reason: (problem ?? 'ok').slice(0, 1000),
      PhysicalResourceId: respondTo.PhysicalResourceId,
      StackId: respondTo.StackId,
      RequestId: respondTo.RequestId,
      LogicalResourceId: respondTo.LogicalResourceId,
      Data: outcome ? { ...outcome.summary, continues: undefined } : undefined,
    });
    return outcome?.summary ?? { ...(chain?.counts ?? zeroCounts()), remaining: 0 };
  }
  // On demand: worth a retry (which resumes where this invocation started).
  if (failure !== undefined) throw failure;
  return outcome!.summary;
}

const zeroCounts = (): ResyncCounts => ({ copied: 0, unchanged: 0, skipped: 0, conflicts: 0, failed: 0, sweptTemporaryFiles: 0 });

/**
 * The deploy-time sync: starts a re-sync chain that answers the request when it ends, within
 * `TimeLimitSeconds` (a resource property) of now, before CloudFormation stops waiting.
 * Delete does nothing: files outlive the stack's resources.
 */
async function handleCustomResource(event: CloudFormationCustomResourceEvent, ctx: SyncContext, end: number | undefined): Promise<void> {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-file-sync`;
  if (event.RequestType === 'Delete') {
    await sendCustomResourceResponse(event.ResponseURL, {
      Status: 'SUCCESS', Reason: 'ok', PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
    });
    return;
  }
  const bucket = ownBucket();
  const limit = Number(event.ResourceProperties.TimeLimitSeconds);
  const chain: Chain = {
    bucket,
    counts: zeroCounts(),
    invocations: 0,
    stopBy: limit > 0 ? Date.now() + limit * 1000 : undefined,
    respondTo: {
      RequestType: event.RequestType,
      ResponseURL: event.ResponseURL,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      PhysicalResourceId: physicalId,
    },
  };
  if (event.ResourceProperties.BucketName !== bucket) {
    const reason = `refused: the request names the bucket ${JSON.stringify(event.ResourceProperties.BucketName)}, this function syncs ${bucket} only`;
    log('error', 'deploy-time re-sync', { error: reason });
    await sendCustomResourceResponse(event.ResponseURL, {
      Status: 'FAILED', Reason: reason.slice(0, 1000), PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
    });
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
  if (isCustomResourceEvent(event)) {
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

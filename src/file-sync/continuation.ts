/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
/**
 * A re-sync longer than one invocation: where it stopped (a position, carried as a token), one
 * invocation's share of the work, the hand-off to a new invocation of the function, and what is
 * left when no hand-off is possible.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { PendingResponse } from './cfn-response';
import { errorText, SyncContext } from './context';
import { stopTakingAt } from './deadline';
import { DATA_DIRECTORIES, mapKey, PREFIX_DIRECTORIES } from './keys';
import { nextPage } from './listing';
import { addCounts, resync, ResyncCounts, ResyncPosition, ResyncSummary } from './resync';

/** What a re-sync that continues in a new invocation carries there. */
export interface Chain {
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
export interface ResyncOutcome {
  readonly summary: ResyncSummary;
  /** A new invocation carries on (and answers CloudFormation, if anyone must). */
  readonly handedOff: boolean;
  /** `remaining` is a lower bound: counting stopped at the time limit. */
  readonly remainingAtLeast: boolean;
}

/** One invocation's share of a re-sync. */
export interface ResyncShare {
  readonly bucket: string;
  readonly force: boolean;
  /** Where to start; the start of the bucket when absent. */
  readonly from?: ResyncPosition;
  /** The chain this invocation belongs to, when it is not the first. */
  readonly chain?: Chain;
  /** Requests in flight. */
  readonly concurrency: number;
  /** Until when what is left may be counted (epoch ms). */
  readonly countUntil?: number;
}

let lambdaClient: LambdaClient | undefined;

/** The continuation token of a position: what a summary hands out and a request hands back. */
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

/**
 * One invocation's share of a re-sync: works until the time runs short, then hands the rest to
 * a new invocation; where that is impossible (outside Lambda, no way to invoke, the chain's
 * budget spent) it stops and counts what is left.
 */
export async function resyncInvocation(ctx: SyncContext, share: ResyncShare): Promise<ResyncOutcome> {
  const { bucket, force, from, chain } = share;
  const invocations = (chain?.invocations ?? 0) + 1;
  const latest = Math.min(ctx.deadline ?? Infinity, chain?.stopBy ?? Infinity);
  const result = await resync({ ...ctx, deadline: latest === Infinity ? undefined : latest }, bucket, {
    force, from, concurrency: share.concurrency, stopTaking: stopTakingAt(latest),
  });
  const counts = addCounts(chain?.counts, result.counts);
  if (!result.next) {
    return { summary: { ...counts, remaining: 0 }, handedOff: false, remainingAtLeast: false };
  }
  const continuation = encodePosition(result.next);
  const budgetLeft = chain?.stopBy === undefined || Date.now() < chain.stopBy;
  if (process.env.AWS_LAMBDA_FUNCTION_NAME && budgetLeft) {
    const next: Chain = { ...chain, counts, invocations };
    try {
      await invokeSelf({ resync: true, force: force || undefined, continuation, chain: next });
      ctx.log('info', 're-sync continues in a new invocation', { ...counts, invocation: invocations, continuation });
      return { summary: { ...counts, remaining: 0, continuation, continues: true }, handedOff: true, remainingAtLeast: false };
    } catch (err) {
      ctx.log('error', 'could not continue the re-sync in a new invocation', { error: errorText(err), continuation });
    }
  }
  const left = await countRemaining(ctx, bucket, result.next, share.countUntil);
  return { summary: { ...counts, remaining: left.count, continuation }, handedOff: false, remainingAtLeast: !left.complete };
}

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

/** How to finish an incomplete re-sync, for people reading the reason or the log. */
function resumeHint(summary: ResyncSummary): string {
  const payload = summary.failed === 0 && summary.continuation ? `{"resync":true,"continuation":"${summary.continuation}"}` : '{"resync":true}';
  return `to finish, run the on-demand re-sync: aws lambda invoke --function-name ${process.env.AWS_LAMBDA_FUNCTION_NAME ?? '<sync function>'} `
    + `--invocation-type Event --cli-binary-format raw-in-base64-out --payload '${payload}' /dev/null`;
}

/** What is wrong with a re-sync that ended without handing off; undefined when it is complete. */
export function incomplete(outcome: ResyncOutcome): string | undefined {
  const { summary } = outcome;
  if (summary.failed + summary.remaining === 0 && !summary.continuation) return undefined;
  const left = summary.continuation ? `${summary.remaining}${outcome.remainingAtLeast ? ' or more' : ''} not copied yet` : 'none left';
  return `re-sync incomplete: ${summary.failed} failed, ${left} (see the function's log); ${resumeHint(summary)}`;
}

/**
 * Answering CloudFormation for the deploy-time re-sync: which events are its requests, what the
 * answer says, and sending it through the request's pre-signed URL.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { responseUrlProblem } from './response-url';

/** The part of a CloudFormation custom-resource request this function reads. */
export interface CustomResourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

/** The CloudFormation request a deploy-time re-sync answers when it ends. */
export interface PendingResponse {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId: string;
}

/** Attempts at uploading the answer, each given this long, with this much more wait before each retry. */
const RESPONSE_ATTEMPTS = 3;
const RESPONSE_ATTEMPT_TIMEOUT_MS = 4000;
const RESPONSE_RETRY_STEP_MS = 500;

export function isCustomResourceRequest(event: unknown): event is CustomResourceRequest {
  const e = event as Partial<CustomResourceRequest> | undefined;
  return typeof e?.RequestType === 'string' && typeof e.ResponseURL === 'string';
}

/** What to answer `request` with, kept until the answer is due; the physical id stays the same across updates. */
export function pendingResponseOf(request: CustomResourceRequest): PendingResponse {
  return {
    RequestType: request.RequestType,
    ResponseURL: request.ResponseURL,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    PhysicalResourceId: request.PhysicalResourceId ?? `${request.LogicalResourceId}-file-sync`,
  };
}

/**
 * Answers `to`. A problem fails a Create (a new stack rolls back cleanly), but not an Update or
 * a Delete, where failing could leave the stack stuck in a failed rollback: the problem is then
 * only the reason, and the on-demand re-sync repairs it.
 */
export async function answer(to: PendingResponse, problem: string | undefined, data?: Record<string, unknown>): Promise<void> {
  await sendCustomResourceResponse(to.ResponseURL, {
    Status: problem && to.RequestType === 'Create' ? 'FAILED' : 'SUCCESS',
    Reason: (problem ?? 'ok').slice(0, 1000),
    PhysicalResourceId: to.PhysicalResourceId,
    StackId: to.StackId,
    RequestId: to.RequestId,
    LogicalResourceId: to.LogicalResourceId,
    Data: data,
  });
}

/** Uploads the answer to the pre-signed URL of the request, in a few short attempts. */
async function sendCustomResourceResponse(url: string, body: Record<string, unknown>): Promise<void> {
  const problem = responseUrlProblem(url);
  if (problem) throw new Error(`refused to send the answer: ${problem}`);
  const payload = Buffer.from(JSON.stringify(body));
  const put = () => new Promise<void>((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, {
      method: 'PUT',
      // The URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': payload.length },
      timeout: RESPONSE_ATTEMPT_TIMEOUT_MS,
    }, res => {
      res.resume();
      res.on('end', () => (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`response upload returned ${res.statusCode}`)));
    });
    request.on('timeout', () => request.destroy(new Error('response upload timed out')));
    request.on('error', reject);
    request.end(payload);
  });
  // The attempts fit in the time the function keeps for answering (at most 15 s).
  for (let attempt = 1; ; attempt++) {
    try {
      return await put();
    } catch (err) {
      if (attempt >= RESPONSE_ATTEMPTS) throw err;
      await new Promise(r => setTimeout(r, RESPONSE_RETRY_STEP_MS * attempt));
    }
  }
}

/**
 * When each part of an invocation stops, counted back from the moment Lambda stops the
 * function (its end). The last stretch of an invocation, in order:
 *
 *   copies run | no new object taken (LAST_TAKE) | copies' deadline | what is left counted
 *   (COUNT_SHARE) | answer (ANSWER_SHARE) | end
 *
 * where everything after the copies' deadline is the WIND_DOWN.
 */
/** A margin: a share of the time left, capped. */
export interface Margin {
  /** The share of the time left, from 0 to 1. */
  readonly share: number;
  /** The most it may be, in ms. */
  readonly maxMs: number;
}

/**
 * Kept after the copies' deadline to clean up, hand over or report before the function is
 * stopped: a tenth of the invocation's time, at most 30 s.
 */
export const WIND_DOWN: Margin = { share: 1 / 10, maxMs: 30_000 };

/**
 * Before the re-sync's latest stop, no new object is taken, so copies under way can finish
 * before the deadline cuts them: a tenth of the time left, at most a minute.
 */
export const LAST_TAKE: Margin = { share: 1 / 10, maxMs: 60_000 };

/** The answer to CloudFormation is due this share of the wind-down after the copies' deadline; the rest is for sending it. */
export const ANSWER_SHARE = 1 / 2;

/** Counting what is left may use this share of the time between the copies' deadline and the answer. */
export const COUNT_SHARE = 1 / 2;

function marginOf(timeLeft: number, margin: Margin): number {
  return Math.min(margin.maxMs, timeLeft * margin.share);
}

/** Epoch ms at which Lambda stops this invocation; `undefined` outside Lambda, where nothing stops it. */
export function invocationEnd(context: { getRemainingTimeInMillis?: () => number } | undefined, now = Date.now()): number | undefined {
  const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return inLambda && typeof context?.getRemainingTimeInMillis === 'function' ? now + context.getRemainingTimeInMillis() : undefined;
}

/** When copies stop: the wind-down before the invocation's end. */
export function copyDeadline(end: number | undefined, now = Date.now()): number | undefined {
  return end === undefined ? undefined : end - marginOf(end - now, WIND_DOWN);
}

/** When a re-sync that must stop by `latest` (epoch ms, or Infinity) takes no new object. */
export function stopTakingAt(latest: number, now = Date.now()): number | undefined {
  return latest === Infinity ? undefined : latest - marginOf(Math.max(0, latest - now), LAST_TAKE);
}

/** When CloudFormation must be answered at the latest. */
export function answerDue(end: number | undefined, deadline: number | undefined): number | undefined {
  return end === undefined || deadline === undefined ? undefined : deadline + (end - deadline) * ANSWER_SHARE;
}

/** Until when what is left may be counted. */
export function countingDue(deadline: number | undefined, answerAt: number | undefined): number | undefined {
  return answerAt === undefined || deadline === undefined ? undefined : deadline + (answerAt - deadline) * COUNT_SHARE;
}

/** Settles `work`, or rejects at `at` (epoch ms) if it is still running, so the function can still answer. */
export function before<T>(work: Promise<T>, at: number | undefined): Promise<T> {
  if (at === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the re-sync did not finish before the function time limit')), Math.max(0, at - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

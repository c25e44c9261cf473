// How an invocation's last stretch is split: the copies stop first, then new work is no longer
// taken, what is left is counted, and CloudFormation is answered before Lambda stops the function.
import {
  answerDue, before, copyDeadline, countingDue, invocationEnd, LAST_TAKE, stopTakingAt, WIND_DOWN,
} from '../../src/file-sync/deadline';

const NOW = 1_000_000;

describe('the deadlines of an invocation', () => {
  test('copies stop a tenth of the invocation before its end, at most 30 s before', () => {
    expect(copyDeadline(NOW + 60_000, NOW)).toBe(NOW + 54_000);
    expect(copyDeadline(NOW + 900_000, NOW)).toBe(NOW + 900_000 - WIND_DOWN.maxMs);
    expect(copyDeadline(undefined, NOW)).toBeUndefined();
  });

  test('no new object is taken in the last tenth before the latest stop, at most a minute', () => {
    expect(stopTakingAt(NOW + 100_000, NOW)).toBe(NOW + 90_000);
    expect(stopTakingAt(NOW + 3_600_000, NOW)).toBe(NOW + 3_600_000 - LAST_TAKE.maxMs);
    expect(stopTakingAt(NOW - 5, NOW)).toBe(NOW - 5);
    expect(stopTakingAt(Infinity, NOW)).toBeUndefined();
  });

  test('after the copies\' deadline: counting, then the answer, then the end, in that order', () => {
    const end = NOW + 900_000;
    const deadline = copyDeadline(end, NOW)!;
    const answerAt = answerDue(end, deadline)!;
    const countUntil = countingDue(deadline, answerAt)!;
    expect([deadline < countUntil, countUntil < answerAt, answerAt < end]).toEqual([true, true, true]);
    expect(answerAt).toBe(deadline + 15_000);
    expect(countUntil).toBe(deadline + 7_500);
  });

  test('outside Lambda nothing stops the function', () => {
    const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    try {
      expect(invocationEnd({ getRemainingTimeInMillis: () => 1000 }, NOW)).toBeUndefined();
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'file-sync';
      expect(invocationEnd({ getRemainingTimeInMillis: () => 1000 }, NOW)).toBe(NOW + 1000);
      expect(answerDue(undefined, undefined)).toBeUndefined();
    } finally {
      if (name === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      else process.env.AWS_LAMBDA_FUNCTION_NAME = name;
    }
  });

  test('work still running when the answer is due is given up, so the function can still answer', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(before(never, Date.now() + 20)).rejects.toThrow(/did not finish before the function time limit/);
    await expect(before(Promise.resolve('done'), Date.now() + 1000)).resolves.toBe('done');
    await expect(before(Promise.resolve('done'), undefined)).resolves.toBe('done');
  });
});

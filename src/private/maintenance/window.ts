// The maintenance window as plain values: when it opens, whether a moment is inside it, and the
// rotation schedules that fall in it. No aws-cdk-lib here: the fleet-check function uses it too.

/** Day codes as cron and `Date.getUTCDay()` know them (0 is Sunday). */
export const WEEK_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type WeekDayCode = typeof WEEK_DAYS[number];

/** A weekly window in UTC: it opens on `day` at `startHour`:00 and lasts `hours` hours. */
export interface WindowSpec {
  readonly day: WeekDayCode;
  readonly startHour: number;
  readonly hours: number;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/**
 * Where `now` stands against the window: inside it (then `start` is the opening of the window
 * under way), or before the next one (then `start` is that opening).
 */
export function windowAt(now: Date, window: WindowSpec): { readonly inWindow: boolean; readonly start: Date } {
  const dayIndex = WEEK_DAYS.indexOf(window.day);
  const offsetDays = (dayIndex - now.getUTCDay() + 7) % 7;
  const thisWeek = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays, window.startHour);
  // The latest opening at or before now.
  const last = thisWeek <= now.getTime() ? thisWeek : thisWeek - WEEK_MS;
  if (now.getTime() < last + window.hours * HOUR_MS) {
    return { inWindow: true, start: new Date(last) };
  }
  return { inWindow: false, start: new Date(last + WEEK_MS) };
}

/** How often a rotation period can recur in a weekly window: every window, or every N months. */
export interface Cadence {
  readonly weekly: boolean;
  /** Months between rotations (1, 2, 3, 4, 6 or 12); 0 when weekly. */
  readonly months: number;
}

/** Month steps that repeat evenly through the year, so the gap between rotations never shrinks. */
const MONTH_STEPS = [1, 2, 3, 4, 6, 12];

/**
 * The cadence for a rotation period of `days`: the longest the window can hold without rotating
 * less often than asked (months counted as 30 days). Under 28 days: every week. Secrets Manager's
 * cron allows no schedule more than a year apart.
 */
export function rotationCadence(days: number): Cadence {
  if (days < 28) {
    return { weekly: true, months: 0 };
  }
  const wanted = Math.max(1, Math.floor(days / 30));
  return { weekly: false, months: Math.max(...MONTH_STEPS.filter((step) => step <= wanted)) };
}

/** Which secret a schedule is for: they rotate in different weeks, and at different hours. */
export type RotatedSecret = 'master' | 'app';

/** The week of the month each secret rotates in, when it rotates monthly or less often. */
export const ROTATION_WEEK: Record<RotatedSecret, number> = { master: 1, app: 3 };

/** Secrets Manager's rotation rules: a cron expression (UTC, on the hour) and a window in hours. */
export interface RotationRules {
  readonly scheduleExpression: string;
  readonly duration: string;
}

/**
 * The rotation rules of one secret in the window. The master secret rotates in the window's first
 * hour, the app secret in the rest, so the two never overlap, whatever their periods; when both
 * rotate monthly or less often they also fall in different weeks (the first and the third window
 * of the month). Secrets Manager picks a moment within the given hours.
 */
export function rotationRules(window: WindowSpec, secret: RotatedSecret, periodDays: number): RotationRules {
  const cadence = rotationCadence(periodDays);
  const hour = secret === 'master' ? window.startHour : window.startHour + 1;
  const hours = secret === 'master' ? 1 : window.hours - 1;
  const month = cadence.months > 1 ? `1/${cadence.months}` : '*';
  const dayOfWeek = cadence.weekly ? window.day : `${window.day}#${ROTATION_WEEK[secret]}`;
  return { scheduleExpression: `cron(0 ${hour} ? ${month} ${dayOfWeek} *)`, duration: `${hours}h` };
}

import { Duration } from 'aws-cdk-lib';

/** A day of the week, in UTC. */
export enum WeekDay {
  /** Monday */
  MONDAY = 'MON',
  /** Tuesday */
  TUESDAY = 'TUE',
  /** Wednesday */
  WEDNESDAY = 'WED',
  /** Thursday */
  THURSDAY = 'THU',
  /** Friday */
  FRIDAY = 'FRI',
  /** Saturday */
  SATURDAY = 'SAT',
  /** Sunday */
  SUNDAY = 'SUN',
}

/**
 * A weekly maintenance window, in UTC: the only time the database passwords rotate and the fleet
 * is refreshed after a rotation (which replaces every instance, so it ends every user's session).
 * The master secret rotates in its first hour, the app secret in the rest.
 */
export interface MaintenanceWindow {
  /** The day the window opens (UTC). */
  readonly day: WeekDay;

  /** The hour the window opens (UTC), 0 to 22: windows open on the hour. */
  readonly startHour: number;

  /**
   * How long the window lasts: whole hours, at least 2 (an hour for each secret), and it must
   * close by midnight UTC (Secrets Manager's rotation windows do not cross into the next day).
   *
   * @default Duration.hours(4)
   */
  readonly duration?: Duration;
}

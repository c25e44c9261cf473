import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmSettings, DashboardAlarmOptions } from '../../monitoring-props';
import { DEFAULTS } from '../defaults';
import { Rule } from '../validation';
import { DashboardMetrics } from './metrics';

/** The key of an alarm in `DashboardAlarmOptions`. */
export type AlarmName = keyof DashboardAlarmOptions;

/** The unit a threshold is given in; `GiB` thresholds are compared in bytes. */
export type ThresholdUnit = 'hosts' | 'responses' | 'seconds' | 'percent' | 'GiB' | 'errors' | 'messages' | 'requests';

/** A threshold and its unit. */
export interface Threshold {
  readonly value: number;
  readonly unit: ThresholdUnit;
}

const hosts = (value: number): Threshold => ({ value, unit: 'hosts' });
const responses = (value: number): Threshold => ({ value, unit: 'responses' });
const seconds = (value: number): Threshold => ({ value, unit: 'seconds' });
const percent = (value: number): Threshold => ({ value, unit: 'percent' });
const gib = (value: number): Threshold => ({ value, unit: 'GiB' });
const errors = (value: number): Threshold => ({ value, unit: 'errors' });
const messages = (value: number): Threshold => ({ value, unit: 'messages' });
const requests = (value: number): Threshold => ({ value, unit: 'requests' });

/** Facts about the watched resources that some alarms depend on, given as values. */
export interface AlarmContext {
  /** Allocated database storage in GiB; undefined when it is only known at deploy time. */
  readonly databaseAllocatedStorageGiB?: number;
  /** Whether the file system is in bursting throughput mode. */
  readonly fileSystemBursting: boolean;
  /** Whether a web application firewall's metrics are known. */
  readonly firewall?: boolean;
}

/** One alarm of the catalogue: what it watches, its default threshold and what it tells the reader. */
export interface AlarmSpec {
  readonly name: AlarmName;
  /** Construct id of the alarm (part of its logical id: never rename). */
  readonly id: string;
  /** The metric, as the README names it. */
  readonly metricDoc: string;
  readonly metric: (metrics: DashboardMetrics) => cloudwatch.Metric;
  readonly defaultThreshold: Threshold | ((context: AlarmContext) => Threshold);
  /** The default threshold in words, for a threshold that depends on the context. */
  readonly defaultThresholdDoc?: string;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly missingData: cloudwatch.TreatMissingData;
  /** Allowed thresholds. */
  readonly min: number;
  readonly max?: number;
  /** Why the default is what it is, for the README. */
  readonly note?: string;
  /** Whether the alarm exists for these resources at all. */
  readonly appliesTo?: (context: AlarmContext) => boolean;
  /** Off unless its settings say `enabled: true`. */
  readonly optIn?: boolean;
  /** The alarm's description, from the threshold (in its unit) and the evaluation window. */
  readonly description: (threshold: number, window: string) => string;
}

const gte = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
const lt = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;
// Load balancer, Lambda and SQS publish nothing when there is nothing to count: no data is good news.
const quiet = cloudwatch.TreatMissingData.NOT_BREACHING;
// RDS and EFS report all the time: a gap is a reporting delay, so keep the current state.
const steady = cloudwatch.TreatMissingData.MISSING;
const oneMinute = Duration.minutes(1);
const fiveMinutes = Duration.minutes(5);

/**
 * Every alarm, in the order of `DashboardAlarmOptions` (the order of `DashboardMonitoring.alarms`).
 * The alarms, their count, their validation and the README's table all come from here.
 */
export const ALARM_CATALOGUE: ReadonlyArray<AlarmSpec> = [
  {
    name: 'unhealthyHosts',
    id: 'UnhealthyHostsAlarm',
    metricDoc: '`UnHealthyHostCount` (max)',
    metric: (m) => m.unhealthyHosts,
    defaultThreshold: hosts(1),
    period: oneMinute,
    evaluationPeriods: 5,
    comparison: gte,
    missingData: quiet,
    min: 0,
    note: 'a booting or replaced host settles first',
    description: (t, w) => `Targets of the dashboard are failing the load balancer health check (>= ${t} unhealthy for ${w}). `
      + 'Check panintelligence.service and /pi/version on the instances (SSM Session Manager).',
  },
  {
    name: 'loadBalancer5xx',
    id: 'LoadBalancer5xxAlarm',
    metricDoc: '`HTTPCode_ELB_5XX_Count` (sum)',
    metric: (m) => m.elb5xx,
    defaultThreshold: responses(10),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: gte,
    missingData: quiet,
    min: 0,
    description: (t, w) => `The load balancer returned >= ${t} 5xx responses (${w}): no healthy target, or targets timing out.`,
  },
  {
    name: 'target5xx',
    id: 'Target5xxAlarm',
    metricDoc: '`HTTPCode_Target_5XX_Count` (sum)',
    metric: (m) => m.target5xx,
    defaultThreshold: responses(10),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: gte,
    missingData: quiet,
    min: 0,
    description: (t, w) => `The dashboard application returned >= ${t} 5xx responses (${w}). Check the application logs on the instances.`,
  },
  {
    name: 'targetResponseTime',
    id: 'TargetResponseTimeAlarm',
    metricDoc: '`TargetResponseTime` (p95)',
    metric: (m) => m.responseTimeP95,
    defaultThreshold: seconds(5),
    period: fiveMinutes,
    evaluationPeriods: 3,
    comparison: gt,
    missingData: quiet,
    min: 0,
    description: (t, w) => `95th percentile response time above ${t} s (${w}). Look at fleet CPU and database CPU.`,
  },
  {
    name: 'databaseCpu',
    id: 'DatabaseCpuAlarm',
    metricDoc: 'RDS `CPUUtilization` (average)',
    metric: (m) => m.databaseCpu,
    defaultThreshold: percent(80),
    period: fiveMinutes,
    evaluationPeriods: 3,
    comparison: gt,
    missingData: steady,
    min: 0,
    max: 100,
    description: (t, w) => `Database CPU above ${t} % (${w}). Consider a larger databaseInstanceType.`,
  },
  {
    name: 'databaseFreeStorage',
    id: 'DatabaseFreeStorageAlarm',
    metricDoc: 'RDS `FreeStorageSpace` (min)',
    metric: (m) => m.databaseFreeStorage,
    // 10 % of the allocation; the construct's default allocation when it is a deploy-time value.
    defaultThreshold: (c) => gib((c.databaseAllocatedStorageGiB ?? DEFAULTS.databaseAllocatedStorage) / 10),
    defaultThresholdDoc: '10 % of the allocated storage',
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: lt,
    missingData: steady,
    min: 0,
    description: (t, w) => `Database free storage below ${t} GiB (${w}). Raise databaseAllocatedStorage before the database stops accepting writes.`,
  },
  {
    name: 'fileSystemBurstCredits',
    id: 'FileSystemBurstCreditsAlarm',
    metricDoc: 'EFS `BurstCreditBalance` (min)',
    metric: (m) => m.burstCredits,
    defaultThreshold: gib(1024),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: lt,
    missingData: steady,
    min: 0,
    note: 'half the starting balance; bursting file systems only',
    appliesTo: (c) => c.fileSystemBursting,
    description: (t, w) => `EFS burst credit balance below ${t} GiB (${w}). When it runs out, throughput drops to the baseline; `
      + 'consider Elastic throughput.',
  },
  {
    name: 'syncErrors',
    id: 'SyncErrorsAlarm',
    metricDoc: 'sync function `Errors` (sum)',
    metric: (m) => m.syncErrors,
    defaultThreshold: errors(1),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: gte,
    missingData: quiet,
    min: 0,
    description: (t, w) => `The S3-to-EFS sync function failed >= ${t} time(s) (${w}). Its logs name the object key.`,
  },
  {
    name: 'deadLetterQueue',
    id: 'DeadLetterQueueAlarm',
    metricDoc: '`ApproximateNumberOfMessagesVisible` (max)',
    metric: (m) => m.deadLetterMessages,
    defaultThreshold: messages(1),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: gte,
    missingData: quiet,
    min: 0,
    description: (t, w) => `>= ${t} S3 event(s) failed every retry and wait in the dead-letter queue (${w}); those files are not on EFS. `
      + 'Fix the cause, then re-sync.',
  },
  {
    name: 'firewallBlockedRequests',
    id: 'FirewallBlockedRequestsAlarm',
    metricDoc: 'WAF `BlockedRequests` (sum, every rule)',
    // Only created with a firewall (appliesTo), whose metrics are then there.
    metric: (m) => m.firewall!.blocked,
    defaultThreshold: requests(500),
    period: fiveMinutes,
    evaluationPeriods: 1,
    comparison: gte,
    missingData: quiet,
    min: 0,
    note: 'opt-in, firewall only: blocks are the firewall at work, a surge is an attack or a rule blocking users',
    optIn: true,
    appliesTo: (c) => c.firewall === true,
    description: (t, w) => `The web application firewall blocked >= ${t} requests (${w}): an attack in progress, or a rule blocking `
      + 'legitimate users. The firewall\'s log group and its sampled requests name the rule and the client.',
  },
];

/** Whether the alarm of `spec` is switched on by `settings` (opt-in alarms only by `enabled: true`). */
export function isEnabled(spec: AlarmSpec, settings: AlarmSettings | undefined): boolean {
  return settings?.enabled ?? !spec.optIn;
}

/** The factor from a threshold's unit to the metric's unit. */
export function metricScale(unit: ThresholdUnit): number {
  return unit === 'GiB' ? 1024 ** 3 : 1;
}

export function defaultThresholdOf(spec: AlarmSpec, context: AlarmContext): Threshold {
  return typeof spec.defaultThreshold === 'function' ? spec.defaultThreshold(context) : spec.defaultThreshold;
}

/** The settings of one alarm with its defaults filled in (the threshold still in its unit). */
export interface EffectiveSettings {
  readonly threshold: number;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export function effectiveSettings(spec: AlarmSpec, settings: AlarmSettings | undefined, context: AlarmContext): EffectiveSettings {
  const evaluationPeriods = settings?.evaluationPeriods ?? spec.evaluationPeriods;
  return {
    threshold: settings?.threshold ?? defaultThresholdOf(spec, context).value,
    period: settings?.period ?? spec.period,
    evaluationPeriods,
    datapointsToAlarm: settings?.datapointsToAlarm ?? evaluationPeriods,
  };
}

/** The evaluation window in words, e.g. `3 x 5 minutes` or `2 of 3 x 5 minutes`. */
export function windowOf(s: EffectiveSettings): string {
  return s.datapointsToAlarm === s.evaluationPeriods
    ? `${s.evaluationPeriods} x ${s.period.toHumanString()}`
    : `${s.datapointsToAlarm} of ${s.evaluationPeriods} x ${s.period.toHumanString()}`;
}

type Options = DashboardAlarmOptions | undefined;

/** The rules of one alarm's settings; a disabled alarm is not checked. */
function rulesOf(spec: AlarmSpec): Array<Rule<Options>> {
  const name = `alarms.${spec.name}`;
  const given = (o: Options): AlarmSettings | undefined => (isEnabled(spec, o?.[spec.name]) ? o?.[spec.name] : undefined);
  // The context only moves the default threshold, which the rules below never see.
  const settings = (o: Options) => effectiveSettings(spec, given(o), { fileSystemBursting: true });
  const threshold = (o: Options) => given(o)?.threshold;
  const known = (value: number | undefined): value is number => value !== undefined && !Token.isUnresolved(value);
  const rules: Array<Rule<Options>> = [
    {
      prop: `${name}.threshold`,
      violated: (o) => known(threshold(o)) && !Number.isFinite(threshold(o)),
      message: (o) => `${name}.threshold must be a finite number (got ${threshold(o)})`,
    },
    {
      prop: `${name}.threshold`,
      violated: (o) => known(threshold(o)) && threshold(o)! < spec.min,
      message: (o) => `${name}.threshold must be >= ${spec.min} (got ${threshold(o)})`,
    },
  ];
  if (spec.max !== undefined) {
    const max = spec.max;
    rules.push({
      prop: `${name}.threshold`,
      violated: (o) => known(threshold(o)) && threshold(o)! > max,
      message: (o) => `${name}.threshold must be <= ${max} (got ${threshold(o)})`,
    });
  }
  rules.push(
    {
      prop: `${name}.evaluationPeriods`,
      violated: (o) => given(o) !== undefined && known(settings(o).evaluationPeriods)
        && (!Number.isInteger(settings(o).evaluationPeriods) || settings(o).evaluationPeriods < 1),
      message: (o) => `${name}.evaluationPeriods must be a whole number >= 1 (got ${settings(o).evaluationPeriods})`,
    },
    {
      prop: `${name}.datapointsToAlarm`,
      violated: (o) => {
        if (given(o) === undefined) return false;
        const s = settings(o);
        // Checked against a valid evaluationPeriods only, so one mistake gives one message.
        return known(s.datapointsToAlarm) && known(s.evaluationPeriods) && Number.isInteger(s.evaluationPeriods) && s.evaluationPeriods >= 1
          && (!Number.isInteger(s.datapointsToAlarm) || s.datapointsToAlarm < 1 || s.datapointsToAlarm > s.evaluationPeriods);
      },
      message: (o) => `${name}.datapointsToAlarm must be a whole number between 1 and evaluationPeriods (${settings(o).evaluationPeriods}) `
        + `(got ${settings(o).datapointsToAlarm})`,
    },
    {
      // CloudWatch refuses an evaluation window longer than one day.
      prop: `${name}.period`,
      violated: (o) => {
        if (given(o) === undefined) return false;
        const s = settings(o);
        return !s.period.isUnresolved() && known(s.evaluationPeriods) && s.period.toSeconds() * s.evaluationPeriods > 86_400;
      },
      message: (o) => `${name}: period x evaluationPeriods must not exceed 1 day (got ${settings(o).period.toSeconds() * settings(o).evaluationPeriods} s)`,
    },
  );
  return rules;
}

/** The rules of `DashboardAlarmOptions`, for every alarm of the catalogue. */
export const ALARM_RULES: ReadonlyArray<Rule<Options>> = ALARM_CATALOGUE.flatMap(rulesOf);

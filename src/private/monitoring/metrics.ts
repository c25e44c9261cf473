import { Arn, ArnFormat, Duration, Fn, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';

/**
 * What the dashboard and the alarms watch: only the values and interfaces the metrics need, so
 * imported resources serve as well as the construct's own.
 */
export interface MonitoredResources {
  /** The load balancer's full name (`app/<name>/<id>`), the `LoadBalancer` dimension, and its construct. */
  readonly loadBalancer: MetricOwner;
  /** The target group's full name (`targetgroup/<name>/<id>`), the `TargetGroup` dimension, and its construct. */
  readonly targetGroup: MetricOwner;
  /**
   * The metrics of a target group created in this app, whose `LoadBalancer` dimension aws-cdk-lib
   * reads from its listener: used as they are, so the construct's template stays as it was.
   */
  readonly targetGroupMetrics?: elbv2.IApplicationTargetGroupMetrics;
  readonly autoScalingGroupName: string;
  /** The database's instance identifier, the `DBInstanceIdentifier` dimension, and its construct. */
  readonly database: MetricOwner;
  readonly fileSystemId: string;
  readonly syncFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** The web ACL in front of the load balancer, by its metric names, and its region. */
  readonly firewall?: {
    readonly webAcl: string;
    readonly rateBasedRules: ReadonlyArray<string>;
    readonly rules: ReadonlyArray<string>;
    readonly region: string;
  };
}

/** A dimension value and the construct whose account and region its metrics belong to. */
export interface MetricOwner {
  readonly dimension: string;
  readonly scope: IConstruct;
}

/** The ALB resource of an ARN: `loadbalancer/app/<name>/<id>`. */
const ALB_RESOURCE = /^loadbalancer\/(app\/[^/]+\/[^/]+)$/;
/** The target group resource of an ARN: `targetgroup/<name>/<id>`. */
const TARGET_GROUP_RESOURCE = /^targetgroup\/[^/]+\/[^/]+$/;

/**
 * The full name of an Application Load Balancer (`app/<name>/<id>`): its own attribute when it is
 * created in this app, else read from its ARN. Undefined when a known ARN is not an ALB's.
 */
export function loadBalancerFullName(loadBalancer: elbv2.IApplicationLoadBalancer): string | undefined {
  if (loadBalancer instanceof elbv2.ApplicationLoadBalancer) {
    return loadBalancer.loadBalancerFullName;
  }
  const arn = loadBalancer.loadBalancerArn;
  if (Token.isUnresolved(arn)) {
    const parts = Fn.split('/', arn);
    return `${Fn.select(1, parts)}/${Fn.select(2, parts)}/${Fn.select(3, parts)}`;
  }
  return ALB_RESOURCE.exec(resourceOf(arn) ?? '')?.[1];
}

/**
 * The full name of a target group (`targetgroup/<name>/<id>`): its own attribute when it is
 * created in this app, else read from its ARN. Undefined when a known ARN is not a target group's.
 */
export function targetGroupFullName(targetGroup: elbv2.IApplicationTargetGroup): string | undefined {
  if (targetGroup instanceof elbv2.ApplicationTargetGroup) {
    return targetGroup.targetGroupFullName;
  }
  const arn = targetGroup.targetGroupArn;
  if (Token.isUnresolved(arn)) {
    return Fn.select(5, Fn.split(':', arn));
  }
  const resource = resourceOf(arn);
  return resource !== undefined && TARGET_GROUP_RESOURCE.test(resource) ? resource : undefined;
}

/** The resource part of an Elastic Load Balancing ARN, or undefined for anything else. */
function resourceOf(arn: string): string | undefined {
  try {
    const parts = Arn.split(arn, ArnFormat.NO_RESOURCE_NAME);
    return parts.service === 'elasticloadbalancing' ? parts.resource : undefined;
  } catch {
    return undefined;
  }
}

/** The firewall's requests (AWS/WAFV2), per 5 minutes. */
export interface FirewallMetrics {
  readonly allowed: cloudwatch.Metric;
  readonly blocked: cloudwatch.Metric;
  /** Blocked by each rate-based rule: the rate-limited requests. */
  readonly rateLimited: cloudwatch.Metric[];
  /** Blocked by each other rule. */
  readonly blockedByRule: cloudwatch.Metric[];
}

/** Every metric the dashboard shows or an alarm watches, with the labels the graphs show. */
export interface DashboardMetrics {
  readonly requests: cloudwatch.Metric;
  readonly elb4xx: cloudwatch.Metric;
  readonly elb5xx: cloudwatch.Metric;
  readonly target4xx: cloudwatch.Metric;
  readonly target5xx: cloudwatch.Metric;
  readonly responseTime: (statistic: string) => cloudwatch.Metric;
  readonly responseTimeP95: cloudwatch.Metric;
  readonly healthyHosts: cloudwatch.Metric;
  readonly unhealthyHosts: cloudwatch.Metric;
  readonly fleetGroup: (metricName: string, label: string) => cloudwatch.Metric;
  readonly fleetCpu: (statistic: string, label: string) => cloudwatch.Metric;
  readonly databaseCpu: cloudwatch.Metric;
  readonly databaseFreeStorage: cloudwatch.Metric;
  readonly databaseConnections: cloudwatch.Metric;
  readonly databaseFreeMemory: cloudwatch.Metric;
  readonly burstCredits: cloudwatch.Metric;
  readonly meteredThroughput: cloudwatch.MathExpression;
  readonly permittedThroughput: cloudwatch.Metric;
  readonly syncInvocations: cloudwatch.Metric;
  readonly syncErrors: cloudwatch.Metric;
  readonly syncThrottles: cloudwatch.Metric;
  readonly syncDuration: (statistic: string) => cloudwatch.Metric;
  readonly deadLetterMessages: cloudwatch.Metric;
  readonly deadLetterAge: cloudwatch.Metric;
  readonly firewall?: FirewallMetrics;
}

export function dashboardMetrics(r: MonitoredResources): DashboardMetrics {
  const fiveMinutes = Duration.minutes(5);
  const oneMinute = Duration.minutes(1);
  // Built here from dimension values rather than through the resources' `metrics`, which an
  // imported target group only offers when it was imported with its load balancers.
  const attached = (namespace: string, dimensionsMap: Record<string, string>, scope: IConstruct) =>
    (metricName: string, options: cloudwatch.MetricOptions) =>
      new cloudwatch.Metric({ namespace, metricName, dimensionsMap, ...options }).attachTo(scope);
  const lbMetric = attached('AWS/ApplicationELB', { LoadBalancer: r.loadBalancer.dimension }, r.loadBalancer.scope);
  const ownTgMetric = attached('AWS/ApplicationELB', { TargetGroup: r.targetGroup.dimension, LoadBalancer: r.loadBalancer.dimension },
    r.targetGroup.scope);
  const tgMetric = (metricName: string, options: cloudwatch.MetricOptions) =>
    r.targetGroupMetrics?.custom(metricName, options) ?? ownTgMetric(metricName, options);
  const rdsMetric = attached('AWS/RDS', { DBInstanceIdentifier: r.database.dimension }, r.database.scope);
  const efsMetric = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
    namespace: 'AWS/EFS',
    metricName,
    dimensionsMap: { FileSystemId: r.fileSystemId },
    statistic,
    label,
    period: fiveMinutes,
  });
  const fn = r.syncFunction;
  const dlq = r.deadLetterQueue;

  return {
    requests: lbMetric('RequestCount', { statistic: 'Sum', label: 'Requests', period: oneMinute }),
    elb4xx: lbMetric(elbv2.HttpCodeElb.ELB_4XX_COUNT, { statistic: 'Sum', label: 'Load balancer 4xx', period: oneMinute }),
    elb5xx: lbMetric(elbv2.HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum', label: 'Load balancer 5xx', period: oneMinute }),
    target4xx: lbMetric(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, { statistic: 'Sum', label: 'Application 4xx', period: oneMinute }),
    target5xx: lbMetric(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum', label: 'Application 5xx', period: oneMinute }),
    responseTime: (statistic) => lbMetric('TargetResponseTime', { statistic, label: `Response time ${statistic}`, period: oneMinute }),
    responseTimeP95: lbMetric('TargetResponseTime', { statistic: 'p95', label: 'Response time p95' }),
    healthyHosts: tgMetric('HealthyHostCount', { statistic: 'Minimum', label: 'Healthy hosts', period: oneMinute }),
    unhealthyHosts: tgMetric('UnHealthyHostCount', { statistic: 'Maximum', label: 'Unhealthy hosts', period: oneMinute }),
    fleetGroup: (metricName, label) => new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName,
      dimensionsMap: { AutoScalingGroupName: r.autoScalingGroupName },
      statistic: 'Average',
      label,
      period: oneMinute,
    }),
    fleetCpu: (statistic, label) => new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensionsMap: { AutoScalingGroupName: r.autoScalingGroupName },
      statistic,
      label,
      period: fiveMinutes,
    }),
    databaseCpu: rdsMetric('CPUUtilization', { statistic: 'Average', label: 'CPU', period: fiveMinutes }),
    databaseFreeStorage: rdsMetric('FreeStorageSpace', { statistic: 'Minimum', label: 'Free storage', period: fiveMinutes }),
    databaseConnections: rdsMetric('DatabaseConnections', { statistic: 'Maximum', label: 'Connections', period: fiveMinutes }),
    databaseFreeMemory: rdsMetric('FreeableMemory', { statistic: 'Minimum', label: 'Freeable memory', period: fiveMinutes }),
    burstCredits: efsMetric('BurstCreditBalance', 'Minimum', 'Burst credit balance'),
    // MeteredIOBytes is a byte count per period; divide by the period to get bytes per second.
    meteredThroughput: new cloudwatch.MathExpression({
      expression: 'metered / PERIOD(metered)',
      usingMetrics: { metered: efsMetric('MeteredIOBytes', 'Sum', 'Metered I/O') },
      label: 'Metered throughput',
      period: fiveMinutes,
    }),
    permittedThroughput: efsMetric('PermittedThroughput', 'Average', 'Permitted throughput'),
    syncInvocations: fn.metricInvocations({ label: 'Invocations', period: fiveMinutes }),
    syncErrors: fn.metricErrors({ label: 'Errors', period: fiveMinutes }),
    syncThrottles: fn.metricThrottles({ label: 'Throttles', period: fiveMinutes }),
    syncDuration: (statistic) => fn.metricDuration({ statistic, label: `Duration ${statistic}`, period: fiveMinutes }),
    deadLetterMessages: dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'Messages', period: fiveMinutes }),
    deadLetterAge: dlq.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'Age of oldest message', period: fiveMinutes }),
    firewall: r.firewall && firewallMetrics(r.firewall, fiveMinutes),
  };
}

function firewallMetrics(waf: NonNullable<MonitoredResources['firewall']>, period: Duration): FirewallMetrics {
  // `Rule` is ALL for the web ACL as a whole, else a rule's metric name.
  const metric = (metricName: string, rule: string, label: string) => new cloudwatch.Metric({
    namespace: 'AWS/WAFV2',
    metricName,
    dimensionsMap: { WebACL: waf.webAcl, Region: waf.region, Rule: rule },
    statistic: 'Sum',
    label,
    period,
  });
  return {
    allowed: metric('AllowedRequests', 'ALL', 'Allowed'),
    blocked: metric('BlockedRequests', 'ALL', 'Blocked'),
    rateLimited: waf.rateBasedRules.map((rule) => metric('BlockedRequests', rule, rule)),
    blockedByRule: waf.rules.map((rule) => metric('BlockedRequests', rule, rule)),
  };
}

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** What the dashboard and the alarms watch: only the values and interfaces the metrics need. */
export interface MonitoredResources {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly autoScalingGroupName: string;
  readonly database: rds.DatabaseInstance;
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
  const lb = r.loadBalancer;
  const tg = r.targetGroup;
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
    requests: lb.metrics.requestCount({ label: 'Requests', period: oneMinute }),
    elb4xx: lb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_4XX_COUNT, { label: 'Load balancer 4xx', period: oneMinute }),
    elb5xx: lb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { label: 'Load balancer 5xx', period: oneMinute }),
    target4xx: lb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, { label: 'Application 4xx', period: oneMinute }),
    target5xx: lb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { label: 'Application 5xx', period: oneMinute }),
    responseTime: (statistic) => lb.metrics.targetResponseTime({ statistic, label: `Response time ${statistic}`, period: oneMinute }),
    responseTimeP95: lb.metrics.targetResponseTime({ statistic: 'p95', label: 'Response time p95' }),
    healthyHosts: tg.metrics.healthyHostCount({ statistic: 'Minimum', label: 'Healthy hosts', period: oneMinute }),
    unhealthyHosts: tg.metrics.unhealthyHostCount({ statistic: 'Maximum', label: 'Unhealthy hosts', period: oneMinute }),
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
    databaseCpu: r.database.metricCPUUtilization({ label: 'CPU', period: fiveMinutes }),
    databaseFreeStorage: r.database.metricFreeStorageSpace({ statistic: 'Minimum', label: 'Free storage', period: fiveMinutes }),
    databaseConnections: r.database.metricDatabaseConnections({ statistic: 'Maximum', label: 'Connections', period: fiveMinutes }),
    databaseFreeMemory: r.database.metricFreeableMemory({ statistic: 'Minimum', label: 'Freeable memory', period: fiveMinutes }),
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

import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmName } from './alarms';
import { DashboardMetrics } from './metrics';

/**
 * Lays out the CloudWatch dashboard, top to bottom: alarm states; load balancer requests,
 * 4xx/5xx and target response time; with a firewall, its allowed and blocked, rate-limited and
 * per-rule blocked requests; healthy and unhealthy hosts, fleet size and CPU; database
 * CPU, free storage, connections and free memory; EFS burst credits and throughput; the sync
 * function's invocations, errors and duration, and the dead-letter queue depth. A graph whose
 * metric has an alarm shows the alarm's threshold.
 */
export function addDashboardWidgets(
  dashboard: cloudwatch.Dashboard,
  m: DashboardMetrics,
  alarms: Partial<Record<AlarmName, cloudwatch.Alarm>>,
): void {
  const annotate = (name: AlarmName) => {
    const alarm = alarms[name];
    return alarm ? [alarm.toAnnotation()] : [];
  };
  const graph = (title: string, left: cloudwatch.IMetric[], axisLabel: string, extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, left, leftYAxis: { label: axisLabel, min: 0, showUnits: false }, width: 8, height: 6, ...extra });
  const section = (markdown: string) => new cloudwatch.TextWidget({ markdown, width: 24, height: 1 });
  const percentAxis = { label: 'Percent', min: 0, max: 100, showUnits: false };

  const all = Object.values(alarms).filter((a): a is cloudwatch.Alarm => a !== undefined);
  if (all.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: all, width: 24, height: 3 }));
  }
  dashboard.addWidgets(
    new cloudwatch.SingleValueWidget({ title: 'Requests (time range)', metrics: [m.requests], setPeriodToTimeRange: true, width: 6, height: 4 }),
    new cloudwatch.SingleValueWidget({ title: 'Healthy hosts', metrics: [m.healthyHosts], width: 6, height: 4 }),
    new cloudwatch.SingleValueWidget({ title: 'Database free storage (bytes)', metrics: [m.databaseFreeStorage], width: 6, height: 4 }),
    new cloudwatch.SingleValueWidget({ title: 'Dead-letter queue messages', metrics: [m.deadLetterMessages], width: 6, height: 4 }),
  );

  dashboard.addWidgets(section('### Load balancer'));
  dashboard.addWidgets(
    graph('Requests', [m.requests], 'Count per minute'),
    graph('HTTP 4xx and 5xx', [m.elb4xx, m.elb5xx, m.target4xx, m.target5xx], 'Count per minute'),
    graph('Target response time', [m.responseTime('Average'), m.responseTime('p95'), m.responseTime('p99')], 'Seconds', {
      leftAnnotations: annotate('targetResponseTime'),
    }),
  );

  if (m.firewall) {
    const perFiveMinutes = 'Count per 5 minutes';
    dashboard.addWidgets(section('### Firewall (AWS WAF)'));
    dashboard.addWidgets(
      graph('Firewall: allowed and blocked requests', [m.firewall.allowed, m.firewall.blocked], perFiveMinutes, {
        leftAnnotations: annotate('firewallBlockedRequests'),
      }),
      graph('Firewall: rate-limited requests', m.firewall.rateLimited, perFiveMinutes),
      graph('Firewall: blocked requests by rule', m.firewall.blockedByRule, perFiveMinutes),
    );
  }

  dashboard.addWidgets(section('### Fleet'));
  dashboard.addWidgets(
    graph('Healthy and unhealthy hosts', [m.healthyHosts, m.unhealthyHosts], 'Hosts', { leftAnnotations: annotate('unhealthyHosts') }),
    graph('Fleet size', [
      m.fleetGroup('GroupInServiceInstances', 'In service'),
      m.fleetGroup('GroupDesiredCapacity', 'Desired'),
      m.fleetGroup('GroupMaxSize', 'Maximum'),
    ], 'Instances'),
    graph('Fleet CPU', [m.fleetCpu('Average', 'CPU average'), m.fleetCpu('Maximum', 'CPU maximum')], 'Percent', { leftYAxis: percentAxis }),
  );

  dashboard.addWidgets(section('### Database'));
  dashboard.addWidgets(
    graph('Database CPU', [m.databaseCpu], 'Percent', { width: 6, leftYAxis: percentAxis, leftAnnotations: annotate('databaseCpu') }),
    graph('Database free storage', [m.databaseFreeStorage], 'Bytes', { width: 6, leftAnnotations: annotate('databaseFreeStorage') }),
    graph('Database connections', [m.databaseConnections], 'Connections', { width: 6 }),
    graph('Database freeable memory', [m.databaseFreeMemory], 'Bytes', { width: 6 }),
  );

  dashboard.addWidgets(section('### File system (EFS)'));
  dashboard.addWidgets(
    graph('EFS burst credit balance', [m.burstCredits], 'Bytes', { width: 12, leftAnnotations: annotate('fileSystemBurstCredits') }),
    graph('EFS throughput', [m.meteredThroughput, m.permittedThroughput], 'Bytes per second', { width: 12 }),
  );

  dashboard.addWidgets(section('### File sync (S3 to EFS)'));
  dashboard.addWidgets(
    graph('Sync invocations, errors and throttles', [m.syncInvocations, m.syncErrors, m.syncThrottles], 'Count per 5 minutes', {
      leftAnnotations: annotate('syncErrors'),
    }),
    graph('Sync duration', [m.syncDuration('Average'), m.syncDuration('p99'), m.syncDuration('Maximum')], 'Milliseconds'),
    graph('Dead-letter queue', [m.deadLetterMessages], 'Messages', {
      right: [m.deadLetterAge],
      rightYAxis: { label: 'Seconds', min: 0, showUnits: false },
      leftAnnotations: annotate('deadLetterQueue'),
    }),
  );
}

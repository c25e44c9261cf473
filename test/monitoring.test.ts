import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DashboardMonitoring, DashboardMonitoringProps } from '../src';

const GIB = 1024 ** 3;

interface Fixture {
  readonly stack: Stack;
  readonly monitoring: DashboardMonitoring;
  readonly template: Template;
  readonly topic: sns.Topic;
}

interface FixtureOptions {
  readonly withTopic?: boolean;
  readonly allocatedStorage?: number | ((stack: Stack) => number);
  readonly throughputMode?: efs.ThroughputMode;
  readonly props?: Partial<DashboardMonitoringProps>;
  /** Runs before the template is synthesized. */
  readonly before?: (monitoring: DashboardMonitoring, stack: Stack) => void;
}

/** A stack of real resources shaped like the dashboard deployment, monitored. */
function build(options: FixtureOptions = {}): Fixture {
  const app = new App();
  const stack = new Stack(app, 'Monitored');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const autoScalingGroup = new autoscaling.AutoScalingGroup(stack, 'Fleet', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: new ec2.InstanceType('t3a.medium'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    groupMetrics: [autoscaling.GroupMetrics.all()],
  });
  const listener = loadBalancer.addListener('Http', { port: 80 });
  const targetGroup = listener.addTargets('Fleet', { port: 8224, protocol: elbv2.ApplicationProtocol.HTTP, targets: [autoScalingGroup] });
  const database = new rds.DatabaseInstance(stack, 'Database', {
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_10_11_9 }),
    storageEncrypted: true,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    allocatedStorage: typeof options.allocatedStorage === 'function' ? options.allocatedStorage(stack) : options.allocatedStorage ?? 20,
  });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc, throughputMode: options.throughputMode });
  const syncFunction = new lambda.Function(stack, 'Sync', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters');
  const topic = new sns.Topic(stack, 'AlarmTopic');

  const monitoring = new DashboardMonitoring(stack, 'Monitoring', {
    loadBalancer,
    targetGroup,
    autoScalingGroup,
    database,
    fileSystem,
    syncFunction,
    deadLetterQueue,
    alarmTopic: options.withTopic === false ? undefined : topic,
    ...options.props,
  });
  options.before?.(monitoring, stack);
  return { stack, monitoring, template: Template.fromStack(stack), topic };
}

/** The dashboard body as JSON, with every CloudFormation token replaced by the text TOKEN. */
function dashboardBody(template: Template): any {
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
  const [dashboard] = Object.values(dashboards);
  const body = dashboard.Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

function widget(template: Template, title: string): any {
  const found = dashboardBody(template).widgets.find((w: any) => w.properties.title === title);
  if (!found) {
    throw new Error(`no widget titled ${title}`);
  }
  return found;
}

/** [namespace, metricName] of each plain metric of a widget (math expressions are skipped). */
function metricNames(w: any): string[][] {
  return w.properties.metrics
    .filter((m: any[]) => typeof m[0] === 'string')
    .map((m: any[]) => [m[0], m[1]]);
}

describe('alarms', () => {
  let template: Template;
  let monitoring: DashboardMonitoring;
  let topicRef: unknown;
  beforeAll(() => {
    const fixture = build();
    ({ template, monitoring } = fixture);
    topicRef = fixture.stack.resolve(fixture.topic.topicArn);
  });

  test('nine alarms by default, all exposed', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    expect(monitoring.alarms).toHaveLength(9);
    expect(DashboardMonitoring.DEFAULT_ALARM_COUNT).toBe(9);
    for (const member of [
      monitoring.unhealthyHostsAlarm, monitoring.loadBalancer5xxAlarm, monitoring.target5xxAlarm,
      monitoring.targetResponseTimeAlarm, monitoring.databaseCpuAlarm, monitoring.databaseFreeStorageAlarm,
      monitoring.fileSystemBurstCreditsAlarm, monitoring.syncErrorsAlarm, monitoring.deadLetterQueueAlarm,
    ]) {
      expect(member).toBeDefined();
      expect(monitoring.alarms).toContain(member);
    }
  });

  test('every alarm notifies the topic on ALARM and on OK', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
      expect(alarm.Properties.AlarmName).toBeUndefined();
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
  });

  test('unhealthy hosts: >= 1 for 5 one-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Dimensions: [Match.objectLike({ Name: 'LoadBalancer' }), Match.objectLike({ Name: 'TargetGroup' })],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });

  test('load balancer 5xx: >= 10 in 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });

  test('application 5xx: >= 10 in 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef],
    });
  });

  test('target response time: p95 > 5 s for 3 five-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });

  test('database CPU: > 80 % for 3 five-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: Match.anyValue() }],
      Statistic: 'Average',
      Period: 300,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'missing',
      AlarmActions: [topicRef],
    });
  });

  test('database free storage: < 10 % of 20 GiB = 2 GiB', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'FreeStorageSpace',
      Statistic: 'Minimum',
      Period: 300,
      Threshold: 2 * GIB,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'missing',
      AlarmActions: [topicRef],
    });
  });

  test('EFS burst credits: < 1 TiB', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EFS',
      MetricName: 'BurstCreditBalance',
      Dimensions: [{ Name: 'FileSystemId', Value: Match.anyValue() }],
      Statistic: 'Minimum',
      Period: 300,
      Threshold: 1024 * GIB,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'missing',
      AlarmActions: [topicRef],
    });
  });

  test('sync errors: >= 1 in 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });

  test('dead-letter queue: >= 1 visible message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: Match.anyValue() }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });
});

describe('alarm options', () => {
  test('without a topic the alarms exist with no actions', () => {
    const { template } = build({ withTopic: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });

  test('an alarm can be disabled', () => {
    const { template, monitoring } = build({ props: { alarms: { syncErrors: { enabled: false }, deadLetterQueue: { enabled: false } } } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    expect(monitoring.syncErrorsAlarm).toBeUndefined();
    expect(monitoring.deadLetterQueueAlarm).toBeUndefined();
    expect(monitoring.alarms).toHaveLength(7);
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName))
      .not.toEqual(expect.arrayContaining(['Errors']));
  });

  test('threshold, period and evaluation window can be overridden', () => {
    const { template } = build({
      props: {
        alarms: {
          databaseCpu: { threshold: 90, period: Duration.minutes(1), evaluationPeriods: 5, datapointsToAlarm: 3 },
          databaseFreeStorage: { threshold: 5 },
          fileSystemBurstCredits: { threshold: 256 },
          targetResponseTime: { threshold: 2.5 },
        },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CPUUtilization', Namespace: 'AWS/RDS', Threshold: 90, Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FreeStorageSpace', Threshold: 5 * GIB });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'BurstCreditBalance', Threshold: 256 * GIB });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime', Threshold: 2.5 });
  });

  test('free storage default follows the allocated storage', () => {
    const { template } = build({ props: {}, allocatedStorage: 100 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FreeStorageSpace', Threshold: 10 * GIB });
  });

  test('free storage default is 2 GiB when the allocation is only known at deploy time', () => {
    const { template } = build({ allocatedStorage: (stack) => new CfnParameter(stack, 'Storage', { type: 'Number' }).valueAsNumber });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FreeStorageSpace', Threshold: 2 * GIB });
  });

  test('the allocated storage and throughput mode given as values win over the resources', () => {
    const { template, monitoring } = build({
      allocatedStorage: 20,
      props: { databaseAllocatedStorage: 50, fileSystemThroughputMode: efs.ThroughputMode.ELASTIC },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FreeStorageSpace', Threshold: 5 * GIB });
    expect(monitoring.fileSystemBurstCreditsAlarm).toBeUndefined();
  });

  test('every bad setting is reported in one error that names the construct', () => {
    expect(() => build({ props: { alarms: { databaseCpu: { threshold: 120 }, syncErrors: { evaluationPeriods: 0 } } } }))
      .toThrow('DashboardMonitoring Monitored/Monitoring: 2 invalid props:\n'
        + '  - alarms.databaseCpu.threshold must be <= 100 (got 120)\n'
        + '  - alarms.syncErrors.evaluationPeriods must be a whole number >= 1 (got 0)');
  });

  test('a disabled alarm\'s settings are not checked', () => {
    expect(() => build({ props: { alarms: { databaseCpu: { enabled: false, threshold: 120 } } } })).not.toThrow();
  });

  test('no burst credit alarm for a file system in elastic throughput mode', () => {
    const { template, monitoring } = build({ throughputMode: efs.ThroughputMode.ELASTIC });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    expect(monitoring.fileSystemBurstCreditsAlarm).toBeUndefined();
  });

  test('addAlarmAction reaches every alarm', () => {
    let extraRef: unknown;
    const { template } = build({
      withTopic: false,
      before: (monitoring, stack) => {
        const extra = new sns.Topic(stack, 'Extra');
        monitoring.addAlarmAction(new cw_actions.SnsAction(extra));
        extraRef = stack.resolve(extra.topicArn);
      },
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([extraRef]);
      expect(alarm.Properties.OKActions).toEqual([extraRef]);
    }
  });

  test.each([
    [{ databaseCpu: { threshold: 120 } }, /alarms\.databaseCpu\.threshold must be <= 100 \(got 120\)/],
    [{ syncErrors: { threshold: -1 } }, /alarms\.syncErrors\.threshold must be >= 0/],
    [{ unhealthyHosts: { evaluationPeriods: 0 } }, /alarms\.unhealthyHosts\.evaluationPeriods must be a whole number >= 1/],
    [{ target5xx: { evaluationPeriods: 2, datapointsToAlarm: 3 } }, /alarms\.target5xx\.datapointsToAlarm must be a whole number between 1 and evaluationPeriods/],
    [{ deadLetterQueue: { period: Duration.hours(1), evaluationPeriods: 25 } }, /alarms\.deadLetterQueue: period x evaluationPeriods must not exceed 1 day/],
    [{ targetResponseTime: { threshold: Number.NaN } }, /alarms\.targetResponseTime\.threshold must be a finite number/],
  ])('refuses bad settings %j', (alarms, message) => {
    expect(() => build({ props: { alarms } })).toThrow(message);
  });
});

describe('dashboard', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = build());
  });

  test('one dashboard with a generated name', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
  });

  test('a given name is used', () => {
    const named = build({ props: { dashboardName: 'pi-dashboard-test' } });
    named.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'pi-dashboard-test' });
  });

  test('alarm status widget lists every alarm', () => {
    const body = dashboardBody(template);
    const status = body.widgets.find((w: any) => w.type === 'alarm');
    expect(status.properties.title).toBe('Alarms');
    expect(status.properties.alarms).toHaveLength(9);
  });

  test('load balancer widgets: requests, 4xx/5xx, response time', () => {
    expect(metricNames(widget(template, 'Requests'))).toEqual([['AWS/ApplicationELB', 'RequestCount']]);
    expect(metricNames(widget(template, 'HTTP 4xx and 5xx'))).toEqual([
      ['AWS/ApplicationELB', 'HTTPCode_ELB_4XX_Count'],
      ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count'],
      ['AWS/ApplicationELB', 'HTTPCode_Target_4XX_Count'],
      ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'],
    ]);
    const responseTime = widget(template, 'Target response time');
    expect(metricNames(responseTime)).toEqual(Array(3).fill(['AWS/ApplicationELB', 'TargetResponseTime']));
    // Average is the dashboard's default statistic, so it is left out of the JSON.
    expect(responseTime.properties.metrics.map((m: any[]) => m[m.length - 1].stat ?? 'Average')).toEqual(['Average', 'p95', 'p99']);
    expect(responseTime.properties.yAxis.left.label).toBe('Seconds');
    expect(responseTime.properties.annotations.horizontal[0].value).toBe(5);
  });

  test('fleet widgets: healthy and unhealthy hosts, fleet size, CPU', () => {
    expect(metricNames(widget(template, 'Healthy and unhealthy hosts'))).toEqual([
      ['AWS/ApplicationELB', 'HealthyHostCount'],
      ['AWS/ApplicationELB', 'UnHealthyHostCount'],
    ]);
    expect(metricNames(widget(template, 'Fleet size'))).toEqual([
      ['AWS/AutoScaling', 'GroupInServiceInstances'],
      ['AWS/AutoScaling', 'GroupDesiredCapacity'],
      ['AWS/AutoScaling', 'GroupMaxSize'],
    ]);
    const cpu = widget(template, 'Fleet CPU');
    expect(metricNames(cpu)).toEqual([['AWS/EC2', 'CPUUtilization'], ['AWS/EC2', 'CPUUtilization']]);
    expect(cpu.properties.metrics[0]).toEqual(expect.arrayContaining(['AutoScalingGroupName']));
    expect(cpu.properties.yAxis.left).toEqual({ label: 'Percent', min: 0, max: 100, showUnits: false });
  });

  test('database widgets: CPU, free storage, connections, freeable memory', () => {
    expect(metricNames(widget(template, 'Database CPU'))).toEqual([['AWS/RDS', 'CPUUtilization']]);
    expect(metricNames(widget(template, 'Database free storage'))).toEqual([['AWS/RDS', 'FreeStorageSpace']]);
    expect(metricNames(widget(template, 'Database connections'))).toEqual([['AWS/RDS', 'DatabaseConnections']]);
    expect(metricNames(widget(template, 'Database freeable memory'))).toEqual([['AWS/RDS', 'FreeableMemory']]);
    expect(widget(template, 'Database free storage').properties.annotations.horizontal[0].value).toBe(2 * GIB);
  });

  test('file system widgets: burst credits and throughput', () => {
    expect(metricNames(widget(template, 'EFS burst credit balance'))).toEqual([['AWS/EFS', 'BurstCreditBalance']]);
    const throughput = widget(template, 'EFS throughput');
    const expression = throughput.properties.metrics.find((m: any[]) => typeof m[0] === 'object' && m[0].expression);
    expect(expression[0]).toMatchObject({ expression: 'metered / PERIOD(metered)', label: 'Metered throughput' });
    // A metric row is [namespace, name, dimension, value, ..., options]; the math expression's input is hidden.
    const rows = throughput.properties.metrics.filter((m: any[]) => typeof m[0] === 'string');
    expect(rows.map((m: any[]) => m.slice(0, 2))).toEqual([['AWS/EFS', 'MeteredIOBytes'], ['AWS/EFS', 'PermittedThroughput']]);
    expect(throughput.properties.yAxis.left.label).toBe('Bytes per second');
  });

  test('file sync widgets: invocations, errors, duration and dead-letter queue depth', () => {
    expect(metricNames(widget(template, 'Sync invocations, errors and throttles'))).toEqual([
      ['AWS/Lambda', 'Invocations'],
      ['AWS/Lambda', 'Errors'],
      ['AWS/Lambda', 'Throttles'],
    ]);
    const duration = widget(template, 'Sync duration');
    expect(metricNames(duration)).toEqual(Array(3).fill(['AWS/Lambda', 'Duration']));
    expect(duration.properties.yAxis.left.label).toBe('Milliseconds');
    const dlq = widget(template, 'Dead-letter queue');
    expect(metricNames(dlq)).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    ]);
    expect(dlq.properties.annotations.horizontal[0].value).toBe(1);
  });

  test('single values at a glance', () => {
    const singles = dashboardBody(template).widgets.filter((w: any) => w.properties.view === 'singleValue');
    expect(singles.map((w: any) => w.properties.title)).toEqual([
      'Requests (time range)', 'Healthy hosts', 'Database free storage (bytes)', 'Dead-letter queue messages',
    ]);
  });

  test('no alarm status widget when every alarm is disabled', () => {
    const off = { enabled: false };
    const { template: t } = build({
      props: {
        alarms: {
          unhealthyHosts: off,
          loadBalancer5xx: off,
          target5xx: off,
          targetResponseTime: off,
          databaseCpu: off,
          databaseFreeStorage: off,
          fileSystemBurstCredits: off,
          syncErrors: off,
          deadLetterQueue: off,
        },
      },
    });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(dashboardBody(t).widgets.find((w: any) => w.type === 'alarm')).toBeUndefined();
    expect(widget(t, 'Target response time').properties.annotations).toBeUndefined();
  });
});

describe('a web application firewall, given by its metric names', () => {
  const firewall = { webAcl: 'bi-acl', rateBasedRules: ['Login', 'Site'], rules: ['Core', 'BadInputs'] };

  test('adds its widgets: allowed and blocked, rate-limited, blocked by rule, in the stack\'s region', () => {
    const { template } = build({ props: { firewall } });
    const dims = (title: string) => widget(template, title).properties.metrics.map((m: any[]) => m.slice(0, -1));
    expect(dims('Firewall: allowed and blocked requests')).toEqual([
      ['AWS/WAFV2', 'AllowedRequests', 'Region', 'TOKEN', 'Rule', 'ALL', 'WebACL', 'bi-acl'],
      ['AWS/WAFV2', 'BlockedRequests', 'Region', 'TOKEN', 'Rule', 'ALL', 'WebACL', 'bi-acl'],
    ]);
    const rule = (m: any[]) => m[m.indexOf('Rule') + 1];
    expect(dims('Firewall: rate-limited requests').map(rule)).toEqual(['Login', 'Site']);
    expect(dims('Firewall: blocked requests by rule').map(rule)).toEqual(['Core', 'BadInputs']);
    expect(widget(template, 'Firewall: rate-limited requests').properties.yAxis.left.label).toBe('Count per 5 minutes');
  });

  test('the blocked-requests alarm stays off unless switched on', () => {
    const { template, monitoring } = build({ props: { firewall } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    expect(monitoring.firewallBlockedRequestsAlarm).toBeUndefined();
    expect(DashboardMonitoring.DEFAULT_ALARM_COUNT).toBe(9);
  });

  test('switched on, it watches the web ACL\'s blocked requests and reaches the topic', () => {
    const { template, monitoring } = build({ props: { firewall, alarms: { firewallBlockedRequests: { enabled: true, threshold: 50 } } } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    expect(monitoring.alarms[monitoring.alarms.length - 1]).toBe(monitoring.firewallBlockedRequestsAlarm);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Dimensions: [{ Name: 'Region', Value: { Ref: 'AWS::Region' } }, { Name: 'Rule', Value: 'ALL' }, { Name: 'WebACL', Value: 'bi-acl' }],
      Threshold: 50,
      AlarmActions: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('AlarmTopic') })]),
    });
  });

  test('without a firewall there are no firewall widgets, and the alarm cannot be switched on', () => {
    const { template } = build();
    expect(dashboardBody(template).widgets.filter((w: any) => /Firewall/.test(w.properties.title ?? w.properties.markdown))).toEqual([]);
    expect(() => build({ props: { alarms: { firewallBlockedRequests: { enabled: true } } } }))
      .toThrow('DashboardMonitoring Monitored/Monitoring: alarms.firewallBlockedRequests needs firewall: the metric names of the web ACL it watches');
  });
});

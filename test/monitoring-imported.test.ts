import { App, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DashboardMonitoring, DashboardMonitoringProps } from '../src';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-2';
const LB_FULL_NAME = 'app/pi-dashboard/50dc6c495c0c9188';
const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${LB_FULL_NAME}`;
const TG_FULL_NAME = 'targetgroup/pi-dashboard/73e2d6bc24d8a067';
const TG_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${TG_FULL_NAME}`;
const ASG_NAME = 'pi-dashboard-fleet';
const DB_ID = 'pi-dashboard-db';
const FS_ID = 'fs-0123456789abcdef0';
const GIB = 1024 ** 3;

type ImportedProps = Pick<DashboardMonitoringProps, 'loadBalancer' | 'targetGroup' | 'autoScalingGroup' | 'database' | 'fileSystem'
| 'syncFunction' | 'deadLetterQueue' | 'alarmTopic'>;

/** A fresh stack, nothing created in it but the monitoring: every resource is imported. */
function importedResources(options: { loadBalancerArn?: string; targetGroupArn?: string } = {}): { stack: Stack; props: ImportedProps } {
  const stack = new Stack(new App(), 'Watcher', { env: { account: ACCOUNT, region: REGION } });
  const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
  return {
    stack,
    props: {
      loadBalancer: elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', {
        loadBalancerArn: options.loadBalancerArn ?? LB_ARN,
        securityGroupId: securityGroup.securityGroupId,
      }),
      // Imported without its load balancers: the monitoring does not need them.
      targetGroup: elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Tg', { targetGroupArn: options.targetGroupArn ?? TG_ARN }),
      autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Asg', ASG_NAME),
      database: rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
        instanceIdentifier: DB_ID,
        instanceEndpointAddress: `${DB_ID}.abcdefghijkl.${REGION}.rds.amazonaws.com`,
        port: 3306,
        securityGroups: [securityGroup],
      }),
      fileSystem: efs.FileSystem.fromFileSystemAttributes(stack, 'Fs', { fileSystemId: FS_ID, securityGroup }),
      syncFunction: lambda.Function.fromFunctionArn(stack, 'Sync', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:pi-dashboard-sync`),
      deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', `arn:aws:sqs:${REGION}:${ACCOUNT}:pi-dashboard-dlq`),
      alarmTopic: sns.Topic.fromTopicArn(stack, 'Topic', `arn:aws:sns:${REGION}:${ACCOUNT}:pi-dashboard-alarms`),
    },
  };
}

function dimensionsOf(alarm: any): Record<string, unknown> {
  return Object.fromEntries((alarm.Properties.Dimensions ?? []).map((d: any) => [d.Name, d.Value]));
}

function alarmOf(template: Template, metricName: string): any {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Every metric of the dashboard body, as [namespace, metricName, ...dimension name/value pairs]. */
function dashboardMetrics(template: Template): string[][] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  // The alarm status widget names the alarms by deploy-time ARNs; the metrics' dimensions are plain text.
  const text = dashboard.Properties.DashboardBody['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text).widgets
    .flatMap((w: any) => w.properties.metrics ?? [])
    .filter((m: any[]) => typeof m[0] === 'string')
    .map((m: any[]) => m.filter((part) => typeof part === 'string'));
}

describe('DashboardMonitoring around imported resources', () => {
  let template: Template;
  let monitoring: DashboardMonitoring;
  beforeAll(() => {
    const { stack, props } = importedResources();
    monitoring = new DashboardMonitoring(stack, 'Monitoring', {
      ...props,
      databaseAllocatedStorage: 100,
      fileSystemThroughputMode: efs.ThroughputMode.BURSTING,
    });
    template = Template.fromStack(stack);
  });

  test('creates only the dashboard and the alarms: the resources, and the topic\'s policy, stay their owners\'', () => {
    const resources = template.toJSON().Resources;
    expect(Object.values(resources).map((resource: any) => resource.Type).sort()).toEqual([
      ...Array(9).fill('AWS::CloudWatch::Alarm'), 'AWS::CloudWatch::Dashboard',
    ]);
    expect(monitoring.alarms).toHaveLength(9);
  });

  test('load balancer and target group alarms use the full names read from the ARNs', () => {
    expect(dimensionsOf(alarmOf(template, 'UnHealthyHostCount'))).toEqual({ LoadBalancer: LB_FULL_NAME, TargetGroup: TG_FULL_NAME });
    for (const metricName of ['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime']) {
      expect(dimensionsOf(alarmOf(template, metricName))).toEqual({ LoadBalancer: LB_FULL_NAME });
    }
  });

  test('database, file system, function and queue alarms use their identifiers', () => {
    expect(dimensionsOf(alarmOf(template, 'CPUUtilization'))).toEqual({ DBInstanceIdentifier: DB_ID });
    expect(dimensionsOf(alarmOf(template, 'FreeStorageSpace'))).toEqual({ DBInstanceIdentifier: DB_ID });
    expect(dimensionsOf(alarmOf(template, 'BurstCreditBalance'))).toEqual({ FileSystemId: FS_ID });
    expect(dimensionsOf(alarmOf(template, 'Errors'))).toEqual({ FunctionName: 'pi-dashboard-sync' });
    expect(dimensionsOf(alarmOf(template, 'ApproximateNumberOfMessagesVisible'))).toEqual({ QueueName: 'pi-dashboard-dlq' });
  });

  test('the free-storage threshold is 10 % of the allocated storage given as a value', () => {
    expect(alarmOf(template, 'FreeStorageSpace').Properties.Threshold).toBe(10 * GIB);
  });

  test('alarms notify the imported topic', () => {
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:pi-dashboard-alarms`],
      OKActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:pi-dashboard-alarms`],
    });
  });

  test('the dashboard widgets graph the imported resources by the same dimensions', () => {
    const metrics = dashboardMetrics(template);
    expect(metrics).toEqual(expect.arrayContaining([
      ['AWS/ApplicationELB', 'RequestCount', 'LoadBalancer', LB_FULL_NAME],
      ['AWS/ApplicationELB', 'HealthyHostCount', 'LoadBalancer', LB_FULL_NAME, 'TargetGroup', TG_FULL_NAME],
      ['AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', ASG_NAME],
      ['AWS/EC2', 'CPUUtilization', 'AutoScalingGroupName', ASG_NAME],
      ['AWS/RDS', 'FreeableMemory', 'DBInstanceIdentifier', DB_ID],
      ['AWS/EFS', 'PermittedThroughput', 'FileSystemId', FS_ID],
      ['AWS/Lambda', 'Duration', 'FunctionName', 'pi-dashboard-sync'],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', 'pi-dashboard-dlq'],
    ]));
    // Nothing is graphed under another load balancer, target group or database than the imported ones.
    for (const metric of metrics) {
      const dims = Object.fromEntries(metric.slice(2).flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
      if (dims.LoadBalancer !== undefined) expect(dims.LoadBalancer).toBe(LB_FULL_NAME);
      if (dims.TargetGroup !== undefined) expect(dims.TargetGroup).toBe(TG_FULL_NAME);
      if (dims.DBInstanceIdentifier !== undefined) expect(dims.DBInstanceIdentifier).toBe(DB_ID);
    }
  });

  test('an elastic file system given as such has no burst-credit alarm', () => {
    const { stack, props } = importedResources();
    const elastic = new DashboardMonitoring(stack, 'Monitoring', {
      ...props, databaseAllocatedStorage: 20, fileSystemThroughputMode: efs.ThroughputMode.ELASTIC,
    });
    expect(elastic.fileSystemBurstCreditsAlarm).toBeUndefined();
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'BurstCreditBalance' }, 0);
  });

  test('ARNs known only at deploy time give full names split out of them', () => {
    const { stack, props } = importedResources({
      loadBalancerArn: Fn.importValue('DashboardLoadBalancerArn'),
      targetGroupArn: Fn.importValue('DashboardTargetGroupArn'),
    });
    new DashboardMonitoring(stack, 'Monitoring', { ...props, databaseAllocatedStorage: 20, fileSystemThroughputMode: efs.ThroughputMode.BURSTING });
    const alarm = alarmOf(Template.fromStack(stack), 'UnHealthyHostCount');
    const lbArnParts = { 'Fn::Split': ['/', { 'Fn::ImportValue': 'DashboardLoadBalancerArn' }] };
    expect(dimensionsOf(alarm)).toEqual({
      TargetGroup: { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::ImportValue': 'DashboardTargetGroupArn' }] }] },
      LoadBalancer: {
        'Fn::Join': ['', [
          { 'Fn::Select': [1, lbArnParts] }, '/', { 'Fn::Select': [2, lbArnParts] }, '/', { 'Fn::Select': [3, lbArnParts] },
        ]],
      },
    });
  });
});

describe('DashboardMonitoring refuses what it cannot watch, naming the prop', () => {
  const build = (extra: Partial<DashboardMonitoringProps>, arns: { loadBalancerArn?: string; targetGroupArn?: string } = {}) => {
    const { stack, props } = importedResources(arns);
    return () => new DashboardMonitoring(stack, 'Monitoring', { ...props, ...extra });
  };
  const complete = { databaseAllocatedStorage: 20, fileSystemThroughputMode: efs.ThroughputMode.BURSTING };

  test('an imported database needs its allocated storage for the free-storage alarm', () => {
    expect(build({ fileSystemThroughputMode: efs.ThroughputMode.BURSTING }))
      .toThrow(/^DashboardMonitoring Watcher\/Monitoring: databaseAllocatedStorage is needed for a database not created in this app/);
  });

  test('unless the alarm has its own threshold or is off', () => {
    const base = { fileSystemThroughputMode: efs.ThroughputMode.BURSTING };
    expect(build({ ...base, alarms: { databaseFreeStorage: { threshold: 5 } } })).not.toThrow();
    expect(build({ ...base, alarms: { databaseFreeStorage: { enabled: false } } })).not.toThrow();
  });

  test('an imported file system needs its throughput mode unless the burst-credit alarm is off', () => {
    expect(build({ databaseAllocatedStorage: 20 })).toThrow(/fileSystemThroughputMode is needed for a file system not created in this app/);
    expect(build({ databaseAllocatedStorage: 20, alarms: { fileSystemBurstCredits: { enabled: false } } })).not.toThrow();
  });

  test('both missing values are named in one error', () => {
    expect(build({})).toThrow(/2 invalid props:\n {2}- databaseAllocatedStorage .*\n {2}- fileSystemThroughputMode /);
  });

  test.each([0, 20.5, 70_000])('a databaseAllocatedStorage of %s is refused', (databaseAllocatedStorage) => {
    expect(build({ ...complete, databaseAllocatedStorage }))
      .toThrow(new RegExp(`databaseAllocatedStorage must be a whole number from 1 to 65536, got ${databaseAllocatedStorage}`));
  });

  test('a network load balancer is refused as loadBalancer', () => {
    const nlb = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/net/pi-dashboard/50dc6c495c0c9188`;
    expect(build(complete, { loadBalancerArn: nlb })).toThrow(/loadBalancer must be an Application Load Balancer, with an ARN .* \(got arn:.*loadbalancer\/net\//);
  });

  test('an ARN of something else is refused as targetGroup', () => {
    expect(build(complete, { targetGroupArn: LB_ARN })).toThrow(/targetGroup must be a target group, with an ARN .*targetgroup\/<name>\/<id> \(got arn:/);
  });

  test('a complete set of imported resources is accepted', () => {
    expect(build(complete)).not.toThrow();
    // The matcher below proves the template is made, not just the construct.
    const { stack, props } = importedResources();
    new DashboardMonitoring(stack, 'Monitoring', { ...props, ...complete });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount', Dimensions: Match.anyValue() });
  });
});

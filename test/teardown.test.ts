// What a stack deletion leaves behind for each removalPolicy, and physical names that never
// collide between dashboards, stacks or successive deployments of one stack.
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PanintelligenceDashboard } from '../src';
import { baseProps, synth } from './util';

/** [type, DeletionPolicy] of every resource a deletion keeps, sorted. */
function kept(template: Template): string[] {
  return Object.values(template.toJSON().Resources as Record<string, any>)
    .filter((r) => ['Retain', 'Snapshot', 'RetainExceptOnCreate'].includes(r.DeletionPolicy) || ['Retain', 'Snapshot'].includes(r.UpdateReplacePolicy))
    .map((r) => `${r.Type} ${r.DeletionPolicy}`)
    .sort();
}

describe('teardown that matches removalPolicy', () => {
  test('DESTROY keeps nothing', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.DESTROY }));
    expect(kept(template)).toEqual([]);
  });

  test('DESTROY empties what would block a deletion: both buckets and the backup vault', () => {
    const { stack, dashboard, template } = synth(() => ({ removalPolicy: RemovalPolicy.DESTROY }));
    const autoDeleted = (Object.values(template.findResources('Custom::S3AutoDeleteObjects')) as any[]).map((r) => r.Properties.BucketName);
    expect(autoDeleted).toEqual(expect.arrayContaining([
      { Ref: stack.getLogicalId(dashboard.bucket.node.defaultChild as any) },
      { Ref: stack.getLogicalId(dashboard.logBucket.node.defaultChild as any) },
    ]));
    expect(autoDeleted).toHaveLength(2);
    template.resourceCountIs('Custom::PanintelligenceBackupVaultCleanup', 1);
  });

  test('by default the README\'s list is kept: database snapshot, file system, buckets, vault, log groups', () => {
    expect(kept(synth().template)).toEqual([
      'AWS::Backup::BackupVault Retain',
      'AWS::EFS::FileSystem Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::RDS::DBInstance Snapshot',
      'AWS::S3::Bucket Retain',
      'AWS::S3::Bucket Retain',
    ]);
  });

  test('RETAIN keeps the same, with the database itself instead of a snapshot', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.RETAIN }));
    expect(kept(template)).toEqual([
      'AWS::Backup::BackupVault Retain',
      'AWS::EFS::FileSystem Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::Logs::LogGroup Retain',
      'AWS::RDS::DBInstance Retain',
      'AWS::RDS::DBSubnetGroup Retain',
      'AWS::S3::Bucket Retain',
      'AWS::S3::Bucket Retain',
      // The master and app secrets: a kept database keeps working credentials.
      'AWS::SecretsManager::Secret Retain',
      'AWS::SecretsManager::Secret Retain',
    ]);
    template.resourceCountIs('Custom::PanintelligenceBackupVaultCleanup', 0);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
});

/**
 * Properties that give a resource a physical name in its account and region, by resource type.
 * A fixed value there collides with a kept resource of a deleted stack or with another dashboard.
 */
const PHYSICAL_NAMES: Record<string, string[]> = {
  'AWS::Backup::BackupVault': ['BackupVaultName'],
  'AWS::Backup::BackupPlan': ['BackupPlan.BackupPlanName'],
  'AWS::CloudWatch::Dashboard': ['DashboardName'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::InstanceProfile': ['InstanceProfileName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier'],
  'AWS::RDS::DBSubnetGroup': ['DBSubnetGroupName'],
  'AWS::RDS::DBParameterGroup': ['DBParameterGroupName'],
  'AWS::EC2::SecurityGroup': ['GroupName'],
  'AWS::EC2::LaunchTemplate': ['LaunchTemplateName'],
  'AWS::AutoScaling::AutoScalingGroup': ['AutoScalingGroupName'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['Name'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['Name'],
  'AWS::Events::Rule': ['Name'],
};

function physicalNames(template: Template): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, any>)) {
    for (const property of PHYSICAL_NAMES[resource.Type] ?? []) {
      const value = property.split('.').reduce((v: any, key) => v?.[key], resource.Properties);
      if (value !== undefined) {
        found.push([`${id}.${property}`, value]);
      }
    }
  }
  return found;
}

describe('physical names', () => {
  test.each([
    ['default', undefined],
    ['DESTROY', RemovalPolicy.DESTROY],
  ])('no name is fixed (%s): each one CloudFormation needs ends with the stack\'s unique id', (_, removalPolicy) => {
    const names = physicalNames(synth(() => ({ removalPolicy })).template);
    expect(names.map(([where]) => where).sort()).toEqual([
      expect.stringMatching(/^DashboardBackupPlan[0-9A-F]{8}\.BackupPlan\.BackupPlanName$/),
      expect.stringMatching(/^DashboardBackupVault[0-9A-F]{8}\.BackupVaultName$/),
      // Step Functions logs under /aws/vendedlogs/, which needs a name.
      expect.stringMatching(/^DashboardDatabaseRefreshOnRotationLogs[0-9A-F]{8}\.LogGroupName$/),
      // The role EventBridge starts the refresh with names the rule's ARN, so the rule has a name.
      expect.stringMatching(/^DashboardDatabaseRotationSucceeded[0-9A-F]{8}\.Name$/),
    ]);
    for (const [, value] of names) {
      expect((value as any)['Fn::Join'][1][1]).toEqual({
        'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }],
      });
    }
  });

  test('two dashboards in one stack have different names', () => {
    const stack = new Stack(new App(), 'Two', { env: { account: '123456789012', region: 'eu-west-2' } });
    const props = baseProps(stack);
    new PanintelligenceDashboard(stack, 'Sales', props);
    new PanintelligenceDashboard(stack, 'Finance', { ...props, domainName: 'finance.example.com' });
    const names = physicalNames(Template.fromStack(stack)).map(([, value]) => JSON.stringify(value));
    expect(names).toHaveLength(8);
    expect(new Set(names).size).toBe(8);
  });

  test('the same dashboard in two stacks of one account has different names', () => {
    const app = new App();
    const stacks = ['Blue', 'Green'].map((name) => {
      const stack = new Stack(app, name, { env: { account: '123456789012', region: 'eu-west-2' } });
      new PanintelligenceDashboard(stack, 'Dashboard', baseProps(stack));
      return stack;
    });
    const names = stacks.flatMap((stack) => physicalNames(Template.fromStack(stack)).map(([, value]) => JSON.stringify(value)));
    expect(names).toHaveLength(8);
    expect(new Set(names).size).toBe(8);
  });
});

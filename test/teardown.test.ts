// What a stack deletion leaves behind for each removalPolicy, and physical names that never
// collide between dashboards, stacks or successive deployments of one stack.
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PanintelligenceDashboard } from '../src';
import { baseProps, only, synth } from './util';

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
      // Flow logs, file sync, provisioning (function and provider), rotation refresh and its
      // fleet check, both rotation functions, aws-cdk-lib's bucket-notifications and log-retention
      // helpers, and the pre-upgrade backup's functions, provider framework and waiter state machine.
      ...Array(13).fill('AWS::Logs::LogGroup Retain'),
      'AWS::RDS::DBInstance Snapshot',
      'AWS::S3::Bucket Retain',
      'AWS::S3::Bucket Retain',
    ]);
  });

  test('the firewall keeps its log group like the others, and DESTROY deletes it', () => {
    const logGroups = (template: Template) => kept(template).filter((k) => k.startsWith('AWS::Logs::LogGroup')).length;
    expect(logGroups(synth(() => ({ firewall: {} })).template)).toBe(logGroups(synth().template) + 1);
    expect(kept(synth(() => ({ firewall: {}, removalPolicy: RemovalPolicy.DESTROY })).template)).toEqual([]);
  });

  test('by default the stack\'s deletion completes: the database is deleted after its final snapshot', () => {
    const db = only(synth().template, 'AWS::RDS::DBInstance');
    // Deletion protection would stop `cdk destroy` at the database (DELETE_FAILED), leaving it,
    // its subnet group, its security groups and the VPC behind.
    expect(db.Properties.DeletionProtection).toBe(false);
    expect(db.DeletionPolicy).toBe('Snapshot');
    // Its automated backups are kept for their retention period: the README lists them.
    expect(db.Properties.DeleteAutomatedBackups).toBe(false);
  });

  test('RETAIN keeps the same, with the database itself instead of a snapshot, and what it needs to stay', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.RETAIN }));
    expect(kept(template)).toEqual([
      'AWS::Backup::BackupVault Retain',
      // The database's security group, and (in a VPC made here) the VPC and the database's
      // subnets: the kept database's network interfaces are in them, so deleting them would fail.
      'AWS::EC2::SecurityGroup Retain',
      'AWS::EC2::Subnet Retain',
      'AWS::EC2::Subnet Retain',
      'AWS::EC2::VPC Retain',
      'AWS::EFS::FileSystem Retain',
      ...Array(13).fill('AWS::Logs::LogGroup Retain'),
      'AWS::RDS::DBInstance Retain',
      // Used by the kept database, so it could not be deleted either.
      'AWS::RDS::DBParameterGroup Retain',
      'AWS::RDS::DBSubnetGroup Retain',
      'AWS::S3::Bucket Retain',
      'AWS::S3::Bucket Retain',
      // The master and app secrets: a kept database keeps working credentials.
      'AWS::SecretsManager::Secret Retain',
      'AWS::SecretsManager::Secret Retain',
    ]);
    const db = only(template, 'AWS::RDS::DBInstance');
    expect(db.Properties.DeletionProtection).toBe(true);
    // What is kept is what the database uses.
    const sg = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).filter(([, r]: [string, any]) => r.DeletionPolicy === 'Retain');
    expect(db.Properties.VPCSecurityGroups).toEqual([{ 'Fn::GetAtt': [sg[0][0], 'GroupId'] }]);
    const subnetGroup = only(template, 'AWS::RDS::DBSubnetGroup');
    const keptSubnets = Object.entries(template.findResources('AWS::EC2::Subnet')).filter(([, r]: [string, any]) => r.DeletionPolicy === 'Retain')
      .map(([id]) => ({ Ref: id }));
    expect(subnetGroup.Properties.SubnetIds).toEqual(expect.arrayContaining(keptSubnets));
    expect(subnetGroup.Properties.SubnetIds).toHaveLength(keptSubnets.length);
    template.resourceCountIs('Custom::PanintelligenceBackupVaultCleanup', 0);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('RETAIN in a given VPC keeps no part of that VPC', () => {
    const { template } = synth((s) => ({ removalPolicy: RemovalPolicy.RETAIN, vpc: new ec2.Vpc(s, 'Given', { maxAzs: 2 }) }));
    expect(kept(template).filter((k) => /EC2::(VPC|Subnet) /.test(k))).toEqual([]);
  });

  test('every function logs to a group of the stack with the construct\'s retention, the rotation functions included', () => {
    for (const removalPolicy of [undefined, RemovalPolicy.DESTROY]) {
      const { template } = synth(() => ({ removalPolicy, logRetention: logs.RetentionDays.TWO_WEEKS }));
      const groups = template.findResources('AWS::Logs::LogGroup');
      for (const group of Object.values(groups) as any[]) {
        expect(group.Properties.RetentionInDays).toBe(14);
        expect(group.DeletionPolicy).toBe(removalPolicy === RemovalPolicy.DESTROY ? 'Delete' : 'Retain');
      }
      // Functions of this stack, aws-cdk-lib's helpers included: a LoggingConfig naming one of them.
      const functions = Object.entries(template.findResources('AWS::Lambda::Function')) as Array<[string, any]>;
      expect(functions.length).toBeGreaterThan(3);
      for (const [id, fn] of functions) {
        const target = fn.Properties.LoggingConfig?.LogGroup?.Ref;
        expect({ id, target: target in groups }).toEqual({ id, target: true });
      }
      // The rotation functions live in nested stacks: their names are set, and their groups made.
      const names = (Object.values(template.findResources('AWS::Serverless::Application')) as any[])
        .map((app) => app.Properties.Parameters.functionName);
      expect(names).toHaveLength(2);
      const groupNames = Object.values(groups).map((g: any) => JSON.stringify(g.Properties.LogGroupName));
      for (const name of names) {
        const [, [prefix, tail]] = name['Fn::Join'];
        expect(groupNames).toContain(JSON.stringify({ 'Fn::Join': ['', [`/aws/lambda/${prefix}`, tail]] }));
      }
    }
  });
});

/** The first cells of the README's kept-items table whose second cell names `policy` (or both). */
function readmeKept(policy: 'default' | 'RETAIN'): string[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| kept | with | costs per month while kept |'));
  const rows = table.split('\n').slice(2).filter((line) => line.startsWith('|')).map((line) => line.split('|').map((c) => c.trim()));
  return rows.filter((cells) => cells[2] === 'both' || cells[2].includes(policy)).map((cells) => cells[1].split(' (')[0]).sort();
}

/** The README row that stands for each kind of resource a deletion keeps. */
function rowsFor(template: Template): string[] {
  const rows = new Set<string>();
  for (const resource of Object.values(template.toJSON().Resources as Record<string, any>)) {
    const keptBy = resource.DeletionPolicy;
    if (!['Retain', 'Snapshot'].includes(keptBy)) continue;
    switch (resource.Type) {
      case 'AWS::RDS::DBInstance':
        rows.add(keptBy === 'Snapshot' ? 'final database snapshot' : 'the database instance itself');
        if (keptBy === 'Snapshot' && resource.Properties.DeleteAutomatedBackups === false) {
          rows.add('RDS automated backups of the deleted database');
        }
        break;
      case 'AWS::EFS::FileSystem': rows.add('EFS file system'); break;
      case 'AWS::Backup::BackupVault': rows.add('backup vault and its recovery points'); break;
      case 'AWS::S3::Bucket': rows.add(resource.Properties.VersioningConfiguration ? 'uploads bucket' : 'access-log bucket'); break;
      case 'AWS::Logs::LogGroup': rows.add('log groups: VPC flow logs, file sync, database user provisioning'); break;
      case 'AWS::SecretsManager::Secret': rows.add('the database\'s master and app secrets'); break;
      // Kept with the database instance, and listed in its row.
      case 'AWS::RDS::DBSubnetGroup': case 'AWS::RDS::DBParameterGroup': case 'AWS::EC2::SecurityGroup':
      case 'AWS::EC2::VPC': case 'AWS::EC2::Subnet':
        rows.add('the database instance itself'); break;
      default: rows.add(`(no README row for ${resource.Type})`);
    }
  }
  return [...rows].sort();
}

describe('the README says what a deletion keeps', () => {
  test.each([
    ['default', undefined],
    ['RETAIN', RemovalPolicy.RETAIN],
  ] as const)('%s: one row for each kind of resource kept, and no other', (policy, removalPolicy) => {
    expect(readmeKept(policy)).toEqual(rowsFor(synth(() => ({ removalPolicy })).template));
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
  'AWS::WAFv2::WebACL': ['Name'],
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
      // Lambda logs a function to /aws/lambda/<its name>: the rotation functions' groups.
      expect.stringMatching(/^DashboardDatabaseAppRotationLogs[0-9A-F]{8}\.LogGroupName$/),
      expect.stringMatching(/^DashboardDatabaseMasterRotationLogs[0-9A-F]{8}\.LogGroupName$/),
      // Step Functions logs under /aws/vendedlogs/, which needs a name.
      expect.stringMatching(/^DashboardDatabaseRefreshOnRotationLogs[0-9A-F]{8}\.LogGroupName$/),
      // The role EventBridge starts the refresh with names the rules' ARNs, so the rules have names.
      expect.stringMatching(/^DashboardDatabaseRotationSucceeded[0-9A-F]{8}\.Name$/),
      expect.stringMatching(/^DashboardDatabaseWindowCheck[0-9A-F]{8}\.Name$/),
      expect.stringMatching(/^DashboardPreUpgradeBackupWaiterLogs[0-9A-F]{8}\.LogGroupName$/),
    ]);
    for (const [, value] of names) {
      expect((value as any)['Fn::Join'][1][1]).toEqual({
        'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }],
      });
    }
  });

  test('the firewall\'s web ACL and its log group, which need names, end with the stack\'s unique id too', () => {
    const names = physicalNames(synth(() => ({ firewall: {} })).template);
    const firewall = names.filter(([where]) => where.startsWith('DashboardFirewall'));
    expect(firewall.map(([where]) => where).sort()).toEqual([
      expect.stringMatching(/^DashboardFirewallLogs[0-9A-F]{8}\.LogGroupName$/),
      expect.stringMatching(/^DashboardFirewallWebAcl[0-9A-F]{8}\.Name$/),
    ]);
    for (const [, value] of firewall) {
      const parts = (value as any)['Fn::Join'][1];
      expect(parts[parts.length - 1]).toEqual({
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
    expect(names).toHaveLength(16);
    expect(new Set(names).size).toBe(16);
  });

  test('the same dashboard in two stacks of one account has different names', () => {
    const app = new App();
    const stacks = ['Blue', 'Green'].map((name) => {
      const stack = new Stack(app, name, { env: { account: '123456789012', region: 'eu-west-2' } });
      new PanintelligenceDashboard(stack, 'Dashboard', baseProps(stack));
      return stack;
    });
    const names = stacks.flatMap((stack) => physicalNames(Template.fromStack(stack)).map(([, value]) => JSON.stringify(value)));
    expect(names).toHaveLength(16);
    expect(new Set(names).size).toBe(16);
  });
});

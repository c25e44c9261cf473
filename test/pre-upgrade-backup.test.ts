import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard, PanintelligenceDashboardProps } from '../src';
import { DEFAULT_NODE_RUNTIME } from './cdk-range';
import { AMI_ID, baseProps, only, synth } from './util';
import { PRE_UPGRADE_BACKUP_TIMING } from '../src/private/pre-upgrade-backup/pre-upgrade-backup';

const TYPE = 'Custom::PanintelligencePreUpgradeBackup';

function idOf(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}

function resource(template: Template, id: string): any {
  return template.toJSON().Resources[id];
}

/** Every statement of every IAM policy attached to `roleId`. */
function statementsOf(template: Template, roleId: string): any[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('pre-upgrade backup, default', () => {
  let template: Template;
  let backupId: string;

  beforeAll(() => {
    ({ template } = synth());
    backupId = idOf(template, TYPE, /PreUpgradeBackup/);
  });

  test('one custom resource whose only property is the machine image, within CloudFormation\'s hour', () => {
    const { Properties: properties } = only(template, TYPE);
    expect(properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [idOf(template, 'AWS::Lambda::Function', /PreUpgradeBackupProviderframeworkonEvent/), 'Arn'] },
      ServiceTimeout: '3600',
      ImageId: AMI_ID,
    });
  });

  test('the Auto Scaling group depends on it: no instance is replaced before the backup completes', () => {
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').DependsOn).toContain(backupId);
  });

  test('two functions (start, wait) run the bundled handler in the VPC\'s private subnets, configured for the vault, role, retention and both resources', () => {
    const vaultId = idOf(template, 'AWS::Backup::BackupVault', /BackupVault/);
    const backupRoleId = idOf(template, 'AWS::IAM::Role', /BackupPlanFileSystemRole/);
    const databaseId = idOf(template, 'AWS::RDS::DBInstance', /DatabaseInstance/);
    const fileSystemId = idOf(template, 'AWS::EFS::FileSystem', /FileSystem/);
    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, s]) => (s as any).Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private'))
      .map(([id]) => ({ Ref: id }));
    for (const [name, handler] of [['StartFunction', 'index.onEvent'], ['WaitFunction', 'index.isComplete']]) {
      const fn = resource(template, idOf(template, 'AWS::Lambda::Function', new RegExp(`PreUpgradeBackup${name}`))).Properties;
      expect(fn.Handler).toBe(handler);
      expect(fn.Runtime).toBe(DEFAULT_NODE_RUNTIME);
      expect(fn.VpcConfig.SubnetIds).toEqual(expect.arrayContaining(privateSubnets));
      expect(fn.VpcConfig.SubnetIds).toHaveLength(privateSubnets.length);
      const env = fn.Environment.Variables;
      expect(env.VAULT_NAME).toEqual({ 'Fn::GetAtt': [vaultId, 'BackupVaultName'] });
      expect(env.BACKUP_ROLE_ARN).toEqual({ 'Fn::GetAtt': [backupRoleId, 'Arn'] });
      expect(env.RETENTION_DAYS).toBe('35');
      expect(env.BACKUP_TIMEOUT_SECONDS).toBe('2700');
      // The database instance's ARN, a comma, the file system's ARN.
      expect(env.RESOURCE_ARNS).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:eu-west-2:123456789012:db:', { Ref: databaseId }, ',',
          { 'Fn::GetAtt': [fileSystemId, 'Arn'] }]],
      });
    }
  });

  test('the functions may start jobs only into this vault, pass only the backup role, read only this stack', () => {
    const roleId = idOf(template, 'AWS::IAM::Role', /PreUpgradeBackupFunctionRole/);
    const vaultId = idOf(template, 'AWS::Backup::BackupVault', /BackupVault/);
    const backupRoleId = idOf(template, 'AWS::IAM::Role', /BackupPlanFileSystemRole/);
    expect(statementsOf(template, roleId)).toEqual([
      { Action: 'backup:StartBackupJob', Effect: 'Allow', Resource: { 'Fn::GetAtt': [vaultId, 'BackupVaultArn'] } },
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [backupRoleId, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      },
      { Action: ['backup:DescribeBackupJob', 'backup:StopBackupJob'], Effect: 'Allow', Resource: '*' },
      { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
    ]);
    // No other policy in the stack may start backups or pass that role (or every role).
    const actions = (s: any): string[] => [].concat(s.Action);
    const passesBackupRole = (s: any) => actions(s).includes('iam:PassRole')
      && [].concat(s.Resource).some((r: any) => r === '*' || JSON.stringify(r).includes(`"${backupRoleId}"`));
    const everywhere = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => actions(s).includes('backup:StartBackupJob') || passesBackupRole(s));
    expect(everywhere).toHaveLength(2);
  });

  test('the backup role is AWS Backup\'s, with its managed policy for backups of every supported service (RDS and EFS included)', () => {
    const role = resource(template, idOf(template, 'AWS::IAM::Role', /BackupPlanFileSystemRole/)).Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({ Principal: { Service: 'backup.amazonaws.com' } })]);
    expect(JSON.stringify(role.ManagedPolicyArns)).toContain('service-role/AWSBackupServiceRolePolicyForBackup');
  });

  test('HTTPS out only: the functions reach the AWS Backup and CloudFormation APIs and nothing else', () => {
    const group = resource(template, idOf(template, 'AWS::EC2::SecurityGroup', /PreUpgradeBackupSecurityGroup/)).Properties;
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
    expect(group.SecurityGroupIngress).toBeUndefined();
  });

  test('the time limits nest: the handler gives up before the provider, the provider before CloudFormation', () => {
    const waiter = resource(template, idOf(template, 'AWS::StepFunctions::StateMachine', /PreUpgradeBackupProviderwaiter/)).Properties;
    const [, parts] = waiter.DefinitionString['Fn::Join'];
    const definition = JSON.parse(parts.map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
    const poll = definition.States['framework-isComplete-task'].Retry[0];
    const providerSeconds = poll.IntervalSeconds * poll.MaxAttempts;
    expect(poll.IntervalSeconds).toBe(30);
    expect(providerSeconds).toBe(PRE_UPGRADE_BACKUP_TIMING.totalTimeout.toSeconds());
    expect(PRE_UPGRADE_BACKUP_TIMING.backupTimeout.toSeconds()).toBeLessThan(providerSeconds);
    expect(providerSeconds).toBeLessThan(Number(only(template, TYPE).Properties.ServiceTimeout));
    // The waiter logs every state change, without the data.
    expect(waiter.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  test('without alarmTopic a failed backup notifies the construct\'s own topic', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'))
      .filter((r: any) => r.Properties.EventPattern?.source?.includes('aws.cloudformation'));
    expect(rules).toHaveLength(1);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    expect((rules[0] as any).Properties.Targets.map((t: any) => t.Arn)).toEqual([{ Ref: topicId }]);
  });

  test('the provider framework\'s three functions run beside the handlers, in the same subnets and security group', () => {
    const start = resource(template, idOf(template, 'AWS::Lambda::Function', /PreUpgradeBackupStartFunction/)).Properties.VpcConfig;
    for (const id of ['onEvent', 'isComplete', 'onTimeout']) {
      const fn = resource(template, idOf(template, 'AWS::Lambda::Function', new RegExp(`PreUpgradeBackupProviderframework${id}`))).Properties;
      expect(fn.VpcConfig).toEqual(start);
    }
  });

  test('the waiter state machine is traced with X-Ray, and its role may send the traces', () => {
    const [, waiter] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => /PreUpgradeBackupProviderwaiter/.test(id))!;
    expect((waiter as any).Properties.TracingConfiguration).toEqual({ Enabled: true });
    const roleId = (waiter as any).Properties.RoleArn['Fn::GetAtt'][0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId)) as any;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      Effect: 'Allow',
      Resource: '*',
    });
  });
});

describe('what counts as a new version', () => {
  const imageIdOf = (overrides: Partial<PanintelligenceDashboardProps>) => {
    const { template } = synth(() => overrides);
    return only(template, TYPE).Properties.ImageId;
  };

  test('only the machine image: a new instance type or capacity leaves the property as it was, so no backup runs', () => {
    expect(imageIdOf({ instanceType: new ec2.InstanceType('m6a.large'), maxCapacity: 8 })).toBe(imageIdOf({}));
    expect(imageIdOf({ machineImage: ec2.MachineImage.genericLinux({ 'eu-west-2': 'ami-0fedcba9876543210' }) })).toBe('ami-0fedcba9876543210');
  });

  test('an image resolved at deploy time (an SSM parameter) is passed as that parameter', () => {
    const { template } = synth(() => ({ machineImage: ec2.MachineImage.fromSsmParameter('/panintelligence/dashboard/ami') }));
    const imageId = only(template, TYPE).Properties.ImageId;
    expect(imageId).toEqual({ Ref: expect.stringMatching(/^SsmParameterValue/) });
    expect(only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.ImageId).toEqual(imageId);
  });
});

describe('retention and opt-out', () => {
  test('preUpgradeBackupRetention sets the recovery points\' lifetime', () => {
    const { template } = synth(() => ({ preUpgradeBackupRetention: Duration.days(90) }));
    const fn = resource(template, idOf(template, 'AWS::Lambda::Function', /PreUpgradeBackupStartFunction/)).Properties;
    expect(fn.Environment.Variables.RETENTION_DAYS).toBe('90');
  });

  test('preUpgradeBackup: false leaves out the resource, its functions and the dependency', () => {
    const { template } = synth(() => ({ preUpgradeBackup: false }));
    template.resourceCountIs(TYPE, 0);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => /PreUpgradeBackup/.test(id))).toEqual([]);
    expect(JSON.stringify(only(template, 'AWS::AutoScaling::AutoScalingGroup').DependsOn)).not.toContain('PreUpgradeBackup');
  });
});

describe('a failed pre-upgrade backup reaches the alarm topic', () => {
  let template: Template;
  let stack: Stack;
  let topicId: string;

  beforeAll(() => {
    ({ template, stack } = synth((s) => ({
      alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: new kms.Key(s, 'AlarmKey', { enableKeyRotation: true }) }),
    })));
    topicId = idOf(template, 'AWS::SNS::Topic', /Alarms/);
  });

  test('CloudFormation\'s own event for the failed update of that resource, in this stack, goes to the topic with its reason', () => {
    const backupId = idOf(template, TYPE, /PreUpgradeBackup/);
    const rule = resource(template, idOf(template, 'AWS::Events::Rule', /PreUpgradeBackupFailedRule/)).Properties;
    expect(rule.EventPattern).toEqual({
      'source': ['aws.cloudformation'],
      'detail-type': ['CloudFormation Resource Status Change'],
      'detail': {
        'stack-id': [{ Ref: 'AWS::StackId' }],
        'logical-resource-id': [backupId],
        'status-details': { status: ['UPDATE_FAILED'] },
      },
    });
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ Ref: topicId });
    expect(rule.Targets[0].InputTransformer.InputPathsMap).toMatchObject({ 'detail-status-details-status-reason': '$.detail.status-details.status-reason' });
    expect(rule.Targets[0].InputTransformer.InputTemplate).toContain('pre-upgrade backup');
    expect(stack.resolve(backupId)).toBe(backupId);
  });

  test('EventBridge may use the topic\'s key', () => {
    const key = only(template, 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    expect(key).toEqual(expect.arrayContaining([expect.objectContaining({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    })]));
  });
});

describe('teardown', () => {
  test('with DESTROY its log groups go with the stack, and the vault cleanup may delete the database\'s recovery points (RDS snapshots)', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.DESTROY }));
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => /PreUpgradeBackup/.test(id));
    expect(groups).toHaveLength(3);
    for (const [, group] of groups) {
      expect((group as any).DeletionPolicy).toBe('Delete');
    }
    const deletes = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => s.Action === 'backup:DeleteRecoveryPoint');
    expect(JSON.stringify(deletes)).toContain(':snapshot:awsbackup:*');
  });

  test('two dashboards in one stack get their own waiter log groups', () => {
    const stack = new Stack(new App(), 'Two', { env: { account: '123456789012', region: 'eu-west-2' } });
    const props = baseProps(stack);
    new PanintelligenceDashboard(stack, 'One', props);
    new PanintelligenceDashboard(stack, 'Other', { ...props, domainName: 'other.example.com' });
    const names = (Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')) as any[])
      .map((g) => JSON.stringify(g.Properties.LogGroupName ?? ''))
      .filter((n) => n.includes('PreUpgradeBackupWaiter'));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });
});

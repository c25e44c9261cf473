import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DEFAULT_NODE_RUNTIME } from './cdk-range';
import { FileSystemBackup, FileSystemBackupProps } from '../src/backup';

/** The last group of the stack's GUID (arn:...:stack/<name>/<guid>), as CloudFormation resolves it. */
const STACK_GUID_TAIL = { 'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] };

function build(props: Partial<FileSystemBackupProps> = {}, extra?: (stack: Stack) => Partial<FileSystemBackupProps>) {
  const stack = new Stack(new App(), 'Backed');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc });
  const construct = new FileSystemBackup(stack, 'Backup', { fileSystem, ...props, ...extra?.(stack) });
  return { stack, fileSystem, construct, template: Template.fromStack(stack) };
}

describe('defaults', () => {
  let stack: Stack;
  let fileSystem: efs.FileSystem;
  let construct: FileSystemBackup;
  let template: Template;

  beforeAll(() => {
    ({ stack, fileSystem, construct, template } = build());
  });

  test('one vault, retained, encrypted with the AWS managed key, generated name', () => {
    template.resourceCountIs('AWS::Backup::BackupVault', 1);
    template.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { EncryptionKeyArn: Match.absent(), Notifications: Match.absent() },
    });
    // The construct path (differs between dashboards and stacks), then the random tail of the
    // stack's unique id (differs between successive deployments of the same stack).
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^Backed-Backup-VaultName-[0-9A-F]{8}-$'), STACK_GUID_TAIL]] },
    });
    expect(construct.vault).toBeDefined();
    expect(construct.vaultCleanup).toBeUndefined();
  });

  test('a plan with one daily rule at 05:00 UTC that keeps recovery points 35 days', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [{
          RuleName: 'Daily',
          ScheduleExpression: 'cron(0 5 * * ? *)',
          Lifecycle: { DeleteAfterDays: 35 },
          TargetBackupVault: { 'Fn::GetAtt': [stack.getLogicalId(construct.vault.node.defaultChild as backup.CfnBackupVault), 'BackupVaultName'] },
        }],
      },
    });
    expect(construct.retention.toDays()).toBe(35);
  });

  test('a selection holding the file system, with a role that can back up and restore', () => {
    template.resourceCountIs('AWS::Backup::BackupSelection', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupPlanId: { 'Fn::GetAtt': [Match.anyValue(), 'BackupPlanId'] },
      BackupSelection: {
        IamRoleArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Resources: [{
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':elasticfilesystem:'), { Ref: stack.getLogicalId(fileSystem.node.defaultChild as efs.CfnFileSystem) }])],
        }],
      },
    });
    expect(stack.resolve(construct.role.roleArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(construct.role.node.defaultChild as iam.CfnRole), 'Arn'] });
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: { IamRoleArn: stack.resolve(construct.role.roleArn) },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })] },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('service-role/AWSBackupServiceRolePolicyForBackup$')])] },
        { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('service-role/AWSBackupServiceRolePolicyForRestores$')])] },
      ],
    });
  });
});

test('the AWS managed service-role policies are acknowledged for cdk-nag, with a reason', () => {
  const { template } = build();
  const [role] = Object.values(template.findResources('AWS::IAM::Role'));
  expect(role.Metadata.cdk_nag.rules_to_suppress).toEqual([
    expect.objectContaining({ id: 'AwsSolutions-IAM4', applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup'] }),
    expect.objectContaining({ id: 'AwsSolutions-IAM4', applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores'] }),
  ]);
});

describe('options', () => {
  test('retention is configurable', () => {
    const { template } = build({ retention: Duration.days(14) });
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 14 } })] },
    });
  });

  test('schedule is configurable', () => {
    const { template } = build({ schedule: events.Schedule.cron({ minute: '30', hour: '1' }) });
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ ScheduleExpression: 'cron(30 1 * * ? *)' })] },
    });
  });

  test.each([Duration.days(0), Duration.hours(36)])('a retention of %s is refused', (retention) => {
    expect(() => build({ retention })).toThrow(/retention \(file system backups\) must be a whole number of days, at least 1/);
  });

  test('an existing vault is used and no vault is created', () => {
    const { template, construct } = build({}, (stack) => ({
      backupVault: backup.BackupVault.fromBackupVaultName(stack, 'Existing', 'shared-vault'),
    }));
    template.resourceCountIs('AWS::Backup::BackupVault', 0);
    expect(construct.vault.backupVaultName).toBe('shared-vault');
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ TargetBackupVault: 'shared-vault' })] },
    });
  });

  test('customer managed key, removal policy and failure notifications of the new vault', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.DESTROY }, (stack) => ({
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      notificationTopic: new sns.Topic(stack, 'Topic'),
    }));
    template.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Delete',
      Properties: {
        EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        Notifications: {
          BackupVaultEvents: ['BACKUP_JOB_FAILED', 'BACKUP_JOB_EXPIRED', 'RESTORE_JOB_COMPLETED'],
          SNSTopicArn: { Ref: Match.stringLikeRegexp('^Topic') },
        },
      },
    });
    // AWS Backup may publish to the topic.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'backup.amazonaws.com' } })] },
    });
  });

  test('two stacks side by side get different vault names', () => {
    const app = new App();
    const stacks = ['One', 'Two'].map((name) => {
      const stack = new Stack(app, name);
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      new FileSystemBackup(stack, 'Backup', { fileSystem: new efs.FileSystem(stack, 'FileSystem', { vpc }) });
      return stack;
    });
    const names = stacks.map((stack) => {
      const [vault] = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupVault'));
      return vault.Properties.BackupVaultName;
    });
    expect(names[0]).not.toEqual(names[1]);
  });
});

describe('removalPolicy DESTROY: the vault is emptied, then deleted', () => {
  let stack: Stack;
  let construct: FileSystemBackup;
  let template: Template;

  beforeAll(() => {
    ({ stack, construct, template } = build({ removalPolicy: RemovalPolicy.DESTROY }));
  });
  const vaultId = () => stack.getLogicalId(construct.vault.node.defaultChild as backup.CfnBackupVault);

  test('the vault is deleted with the stack', () => {
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('a custom resource empties the vault: after the plan is gone, before the vault goes', () => {
    const cleanups = template.findResources('Custom::PanintelligenceBackupVaultCleanup');
    expect(Object.keys(cleanups)).toHaveLength(1);
    const [cleanupId, cleanup] = Object.entries(cleanups)[0] as [string, any];
    expect(cleanup.Properties.VaultName).toEqual({ 'Fn::GetAtt': [vaultId(), 'BackupVaultName'] });
    expect(cleanup.DeletionPolicy).toBe('Delete');
    // Deletion runs in reverse: the plan (no new jobs) first, then the cleanup, then the vault.
    const [plan] = Object.values(template.findResources('AWS::Backup::BackupPlan')) as any[];
    expect(plan.DependsOn).toContain(cleanupId);
    expect(construct.vaultCleanup).toBeDefined();
  });

  test('the cleanup function runs the bundled handler with a time limit below the provider\'s', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Handler: 'index.handler', Description: Match.stringLikeRegexp('backup vault') },
    })) as any[];
    expect(fns).toHaveLength(1);
    expect(fns[0].Properties).toMatchObject({ Runtime: DEFAULT_NODE_RUNTIME, Timeout: 840 });
    // The vault it empties is configured, never taken from an event.
    expect(fns[0].Properties.Environment.Variables).toEqual({ VAULT_NAME: { 'Fn::GetAtt': [vaultId(), 'BackupVaultName'] } });
  });

  test('it may list this vault, delete recovery points and stop backup jobs; nothing else', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [].concat(s.Action).some((a: string) => a.startsWith('backup:')));
    expect(statements).toEqual([
      { Action: 'backup:ListRecoveryPointsByBackupVault', Effect: 'Allow', Resource: { 'Fn::GetAtt': [vaultId(), 'BackupVaultArn'] } },
      {
        Action: 'backup:DeleteRecoveryPoint',
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':backup:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':recovery-point:*']] },
          // A recovery point of an RDS database is an RDS snapshot named by AWS Backup.
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':snapshot:awsbackup:*']] },
        ],
      },
      { Action: ['backup:ListBackupJobs', 'backup:StopBackupJob'], Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('its log groups go with the stack', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[];
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group.DeletionPolicy).toBe('Delete');
      expect(group.Properties.RetentionInDays).toBe(90);
    }
  });
});

describe('no cleanup where the vault is kept or not ours', () => {
  test.each([
    ['RETAIN', RemovalPolicy.RETAIN],
    ['SNAPSHOT', RemovalPolicy.SNAPSHOT],
  ])('%s keeps the vault and its recovery points', (_, removalPolicy) => {
    const { template } = build({ removalPolicy });
    // A vault has no snapshot: SNAPSHOT keeps it, as CloudFormation only knows Delete and Retain here.
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::PanintelligenceBackupVaultCleanup', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('a given vault is never emptied, whatever the removal policy', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.DESTROY }, (s) => ({ backupVault: backup.BackupVault.fromBackupVaultName(s, 'Given', 'shared-vault') }));
    template.resourceCountIs('Custom::PanintelligenceBackupVaultCleanup', 0);
    template.resourceCountIs('AWS::Backup::BackupVault', 0);
  });
});

describe('names that never collide', () => {
  test('two backups in one stack get different vault and plan names, each ending with the stack id', () => {
    const stack = new Stack(new App(), 'Shared');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new FileSystemBackup(stack, 'One', { fileSystem: new efs.FileSystem(stack, 'Fs1', { vpc }) });
    new FileSystemBackup(stack, 'Two', { fileSystem: new efs.FileSystem(stack, 'Fs2', { vpc }) });
    const template = Template.fromStack(stack);
    const vaults = (Object.values(template.findResources('AWS::Backup::BackupVault')) as any[]).map((v) => v.Properties.BackupVaultName);
    const plans = (Object.values(template.findResources('AWS::Backup::BackupPlan')) as any[]).map((p) => p.Properties.BackupPlan.BackupPlanName);
    for (const name of [...vaults, ...plans]) {
      expect(name['Fn::Join'][1][1]).toEqual(STACK_GUID_TAIL);
      // 37 characters at most, a dash and the 12 of the id: within the 50 AWS Backup allows.
      expect(name['Fn::Join'][1][0]).toMatch(/^[A-Za-z0-9-]{1,37}-$/);
    }
    const prefixes = [...vaults, ...plans].map((name) => name['Fn::Join'][1][0]);
    expect(new Set(prefixes).size).toBe(4);
    expect(plans.map((p) => p['Fn::Join'][1][0])).not.toContain('Plan');
  });
});

import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FileSync, FileSyncProps } from '../../src/file-sync/file-sync';
import { DEFAULT_NODE_RUNTIME } from '../cdk-range';
import { synth as dashboardSynth } from '../util';

interface Fixture {
  readonly stack: Stack;
  readonly sync: FileSync;
  readonly fileSystem: efs.FileSystem;
  readonly vpc: ec2.Vpc;
}

/** A stack with a VPC, a file system and a FileSync, not yet synthesized. */
function build(props: Partial<FileSyncProps> = {}): Fixture {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc, encrypted: true });
  const sync = new FileSync(stack, 'FileSync', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    fileSystem,
    ...props,
  });
  return { stack, sync, fileSystem, vpc };
}

function synth(props: Partial<FileSyncProps> = {}): Fixture & { readonly template: Template } {
  const fx = build(props);
  return { ...fx, template: Template.fromStack(fx.stack) };
}

let fixture: Fixture & { readonly template: Template };
let template: Template;
const id = (construct: { node: { defaultChild?: unknown } }) =>
  fixture.stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
let functionId: string;
let bucketId: string;
let roleId: string;

beforeAll(() => {
  fixture = synth();
  template = fixture.template;
  functionId = id(fixture.sync.function);
  bucketId = id(fixture.sync.bucket);
  roleId = fixture.stack.getLogicalId(fixture.sync.function.role!.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
});

/** Every statement of every policy attached to the function's role, inline or separate. */
function roleStatements(t: Template, role: string): Array<Record<string, unknown>> {
  const inline = (t.findResources('AWS::IAM::Role')[role].Properties.Policies ?? [])
    .flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement);
  const separate = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter(p => p.Properties.Roles.some((r: { Ref?: string }) => r.Ref === role))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
  return [...inline, ...separate];
}
const asArray = (x: unknown) => (Array.isArray(x) ? x : [x]);

describe('the uploads bucket', () => {
  test('is private, TLS only, versioned and encrypted', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('is retained by default, and emptied then deleted with DESTROY', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const destroy = synth({ removalPolicy: RemovalPolicy.DESTROY }).template;
    destroy.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    destroy.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    synth({ removalPolicy: RemovalPolicy.SNAPSHOT }).template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  test('sends server access logs where told, under a prefix', () => {
    const stack = new Stack(new App(), 'Test');
    const logsBucket = new s3.Bucket(stack, 'Logs');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc });
    const subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    new FileSync(stack, 'Given', { vpc, vpcSubnets: subnets, fileSystem, serverAccessLogsBucket: logsBucket, serverAccessLogsPrefix: 'uploads/' });
    new FileSync(stack, 'Auto', { vpc, vpcSubnets: subnets, fileSystem, serverAccessLogsBucket: logsBucket });
    const t = Template.fromStack(stack);
    const destination = { Ref: stack.getLogicalId(logsBucket.node.defaultChild as s3.CfnBucket) };
    t.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: destination, LogFilePrefix: 'uploads/' } });
    t.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: destination, LogFilePrefix: Match.stringLikeRegexp('^TestAuto[0-9A-F]+/$') } });
    // Without a target bucket there is no logging configuration.
    expect(template.findResources('AWS::S3::Bucket')[bucketId].Properties.LoggingConfiguration).toBeUndefined();
  });

  test('notifies the function of ObjectCreated and ObjectRemoved under each synced prefix only', () => {
    const configs = Object.values(template.findResources('Custom::S3BucketNotifications'))[0]
      .Properties.NotificationConfiguration.LambdaFunctionConfigurations;
    type Config = { Events: string[]; Filter: { Key: { FilterRules: Array<{ Name: string; Value: string }> } }; LambdaFunctionArn: unknown };
    const seen = configs.map((c: Config) => {
      expect(c.LambdaFunctionArn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      return `${c.Events.join(',')} ${c.Filter.Key.FilterRules.map(r => `${r.Name}=${r.Value}`).join(',')}`;
    }).sort();
    expect(seen).toEqual([
      's3:ObjectCreated:* prefix=excel-data/',
      's3:ObjectCreated:* prefix=excel/',
      's3:ObjectCreated:* prefix=images/',
      's3:ObjectCreated:* prefix=svg/',
      's3:ObjectCreated:* prefix=themes/',
      's3:ObjectRemoved:* prefix=excel-data/',
      's3:ObjectRemoved:* prefix=excel/',
      's3:ObjectRemoved:* prefix=images/',
      's3:ObjectRemoved:* prefix=svg/',
      's3:ObjectRemoved:* prefix=themes/',
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [bucketId, 'Arn'] },
    });
  });
});

describe('the sync function', () => {
  test('runs the bundled handler on Node.js 24 with measured memory and time limit', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: DEFAULT_NODE_RUNTIME,
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 900,
      Environment: { Variables: { MOUNT_PATH: '/mnt/efs', DATA_ROOT: '.', BUCKET_NAME: { Ref: bucketId }, SYNC_CONCURRENCY: '16' } },
    });
  });

  test('takes the requests in flight of a re-sync, and refuses what the handler cannot use', () => {
    synth({ concurrency: 32 }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SYNC_CONCURRENCY: '32' }) },
    });
    for (const bad of [0, 51, 2.5]) {
      expect(() => build({ concurrency: bad })).toThrow(`concurrency must be a whole number from 1 to 50, got ${bad}`);
    }
  });

  test('the dashboard passes syncConcurrency on, and names it when it is out of range', () => {
    const dashboard = dashboardSynth(() => ({ syncConcurrency: 8 }));
    dashboard.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SYNC_CONCURRENCY: '8', MOUNT_PATH: '/mnt/efs' }) },
    });
    expect(() => dashboardSynth(() => ({ syncConcurrency: 0 }))).toThrow(/syncConcurrency must be a whole number from 1 to 50, got 0/);
    expect(() => dashboardSynth(() => ({ syncConcurrency: 64 }))).toThrow(/syncConcurrency must be a whole number from 1 to 50, got 64/);
  });

  test('takes a runtime, memory size and time limit', () => {
    synth({ runtime: lambda.Runtime.NODEJS_22_X, memorySize: 1024, timeout: Duration.minutes(5) }).template
      .hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', MemorySize: 1024, Timeout: 300 });
  });

  test('runs in the given subnets with its own security group', () => {
    const subnets = fixture.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: subnets.map(s => ({ Ref: fixture.stack.getLogicalId(s.node.defaultChild as ec2.CfnSubnet) })),
        SecurityGroupIds: [{ 'Fn::GetAtt': [id(fixture.sync.securityGroup), 'GroupId'] }],
      },
    });
  });

  test('mounts only the data root, as the dashboard\'s user and group, never as root', () => {
    const accessPoints = Object.entries(template.findResources('AWS::EFS::AccessPoint')) as Array<[string, any]>;
    expect(accessPoints).toHaveLength(1);
    const [accessPointId, accessPoint] = accessPoints[0];
    expect(accessPoint.Properties).toEqual({
      FileSystemId: { Ref: id(fixture.fileSystem) },
      PosixUser: { Uid: '8224', Gid: '8224' },
      RootDirectory: {
        Path: '/var/panintelligence',
        CreationInfo: { OwnerUid: '8224', OwnerGid: '8224', Permissions: '755' },
      },
      AccessPointTags: expect.any(Array),
    });
    const fn = template.findResources('AWS::Lambda::Function')[functionId];
    expect(fixture.stack.resolve(fixture.sync.accessPoint.accessPointId)).toEqual({ Ref: accessPointId });
    expect(fn.Properties.FileSystemConfigs).toEqual([{ LocalMountPath: '/mnt/efs', Arn: fixture.stack.resolve(fixture.sync.accessPoint.accessPointArn) }]);
    // The data directories are right under the mount.
    expect(fn.Properties.Environment.Variables).toMatchObject({ MOUNT_PATH: '/mnt/efs', DATA_ROOT: '.' });
    // Created only once the mount targets exist.
    const mountTargets = Object.keys(template.findResources('AWS::EFS::MountTarget'));
    expect(mountTargets.length).toBeGreaterThan(0);
    expect(fn.DependsOn).toEqual(expect.arrayContaining(mountTargets));
  });

  test('sends events that still fail after two retries to an encrypted, TLS-only dead-letter queue', () => {
    const queueId = id(fixture.sync.deadLetterQueue);
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('logs to its own log group with bounded retention', () => {
    const logGroupId = id(fixture.sync.logGroup);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
    synth({ logRetention: logs.RetentionDays.ONE_YEAR }).template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('may only leave by HTTPS and NFS to the file system, and the file system lets it in', () => {
    const sgId = id(fixture.sync.securityGroup);
    const fsSg = fixture.fileSystem.connections.securityGroups[0];
    const fsSgId = fixture.stack.getLogicalId(fsSg.node.defaultChild as ec2.CfnSecurityGroup);
    const sg = template.findResources('AWS::EC2::SecurityGroup')[sgId];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    const inlineEgress = sg.Properties.SecurityGroupEgress.map((r: Record<string, unknown>) => [r.IpProtocol, r.FromPort, r.ToPort, r.CidrIp]);
    expect(inlineEgress).toEqual([['tcp', 443, 443, '0.0.0.0/0']]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [fsSgId, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [fsSgId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
  });
});

describe('the function role is least privilege', () => {
  let statements: Array<Record<string, unknown>>;
  let actions: string[];

  beforeAll(() => {
    statements = roleStatements(template, roleId);
    actions = statements.flatMap(s => asArray(s.Action) as string[]);
  });

  test('uses no AWS managed policy', () => {
    expect(template.findResources('AWS::IAM::Role')[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('grants exactly these actions', () => {
    expect([...new Set(actions)].sort()).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
      'elasticfilesystem:ClientMount',
      'elasticfilesystem:ClientWrite',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      'sqs:SendMessage',
    ]);
  });

  test('reads objects only under the synced prefixes, and writes nothing to the bucket', () => {
    const get = statements.find(s => asArray(s.Action).includes('s3:GetObject'))!;
    const prefixes = asArray(get.Resource).map((r: any) => {
      expect(r).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, expect.stringMatching(/^\/[a-z-]+\/\*$/)]] });
      return r['Fn::Join'][1][1].slice(1, -1);
    }).sort();
    expect(prefixes).toEqual(['excel-data/', 'excel/', 'images/', 'svg/', 'themes/']);
    const list = statements.find(s => asArray(s.Action).includes('s3:ListBucket'))!;
    expect(list.Resource).toEqual({ 'Fn::GetAtt': [bucketId, 'Arn'] });
  });

  test('mounts and writes the file system only through its access point and a mount target, without root access; logs only to its log group', () => {
    const efsStatements = statements.filter(s => asArray(s.Action).some((a: string) => a.startsWith('elasticfilesystem:')));
    expect(efsStatements).toEqual([{
      Effect: 'Allow',
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Condition: {
        Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
        StringEquals: { 'elasticfilesystem:AccessPointArn': fixture.stack.resolve(fixture.sync.accessPoint.accessPointArn) },
      },
      Resource: { 'Fn::GetAtt': [id(fixture.fileSystem), 'Arn'] },
    }]);
    const logsStatement = statements.find(s => asArray(s.Action).includes('logs:PutLogEvents'))!;
    expect(logsStatement.Resource).toEqual({ 'Fn::GetAtt': [id(fixture.sync.logGroup), 'Arn'] });
  });

  test('only the EC2 network-interface actions, which take no narrower resource, are on *', () => {
    const wildcard = statements.filter(s => asArray(s.Resource).includes('*'));
    expect(wildcard.flatMap(s => asArray(s.Action) as string[]).filter(a => !a.startsWith('ec2:'))).toEqual([]);
  });
});

describe('a re-sync that runs out of time', () => {
  test('may invoke the function itself, and nothing else, once that policy exists', () => {
    const invoke = roleStatements(template, roleId).filter(s => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } })]);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: [Match.objectLike({ Action: 'lambda:InvokeFunction' })] } } });
    const [policyId] = Object.keys(policies);
    expect(policies[policyId].Properties.Roles).toEqual([{ Ref: roleId }]);
    // The function does not wait for it (that would be a cycle); the deploy-time re-sync does.
    expect(template.findResources('AWS::Lambda::Function')[functionId].DependsOn ?? []).not.toContain(policyId);
    const [sync] = Object.values(template.findResources('Custom::PanintelligenceFileSync'));
    expect(sync.DependsOn).toContain(policyId);
  });
});

describe('the deploy-time re-sync', () => {
  test('is a custom resource served by the function itself, after the notifications exist', () => {
    const resources = template.findResources('Custom::PanintelligenceFileSync');
    const [resource] = Object.values(resources);
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [functionId, 'Arn'] },
      ServiceTimeout: '3000',
      BucketName: { Ref: bucketId },
      AccessPointId: { Ref: id(fixture.sync.accessPoint) },
      HandlerHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // Within ServiceTimeout, less the two retries of a first attempt that cannot start.
      TimeLimitSeconds: 1140,
    });
    const notifications = Object.keys(template.findResources('Custom::S3BucketNotifications'));
    expect(resource.DependsOn).toEqual(expect.arrayContaining(notifications));
    // No provider framework: the function is the only one besides CDK's notification handler.
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([functionId, expect.stringMatching(/^BucketNotificationsHandler/)]);
  });
});

test('two instances deploy side by side: no physical names', () => {
  const fx = build();
  new FileSync(fx.stack, 'Second', { vpc: fx.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, fileSystem: fx.fileSystem });
  const t = Template.fromStack(fx.stack);
  t.resourceCountIs('AWS::Lambda::Function', 3); // two sync functions, one shared notification handler
  for (const [type, nameProp] of [['AWS::S3::Bucket', 'BucketName'], ['AWS::Lambda::Function', 'FunctionName'],
    ['AWS::SQS::Queue', 'QueueName'], ['AWS::Logs::LogGroup', 'LogGroupName'], ['AWS::IAM::Role', 'RoleName']]) {
    for (const r of Object.values(t.findResources(type))) expect(r.Properties?.[nameProp]).toBeUndefined();
  }
});

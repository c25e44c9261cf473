import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { actionsOf, idOf, refId, resourcesOf, statementsOf, theResource } from './template';
import { synth } from './util';
import { build, defaults, organisational } from '../fixtures/scenarios';
import { DEFAULTS } from '../src/private/defaults';
import { IMPORTED_ENCRYPTION_KEY_WARNING } from '../src/private/encryption';

/** The logical id of the organisation's key in the organisational scenario. */
const keyArn = (template: Template) => ({ 'Fn::GetAtt': [idOf(template, 'AWS::KMS::Key', /^OrganisationKey/), 'Arn'] });

describe('the default dashboard takes none of the organisational choices', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(build(defaults).stack);
  });

  test('no customer managed key anywhere', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    for (const [, group] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
      expect(group.Properties.KmsKeyId).toBeUndefined();
    }
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::RDS::DBInstance', { StorageEncrypted: true, KmsKeyId: Match.absent() });
    template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true, KmsKeyId: Match.absent() });
  });

  test('no deletion protection, detailed or enhanced monitoring, port 3306, one instance type', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ Monitoring: Match.absent() }) });
    template.hasResourceProperties('AWS::RDS::DBInstance', { Port: '3306', MonitoringInterval: Match.absent() });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MixedInstancesPolicy: Match.absent(), LaunchTemplate: Match.anyValue() });
  });

  test('the log bucket is unversioned and logs nowhere; the uploads bucket logs to it', () => {
    const logBucket = idOf(template, 'AWS::S3::Bucket', /LogBucket/);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucket }, LogFilePrefix: 'uploads/' },
    });
    const [, bucket] = resourcesOf(template, 'AWS::S3::Bucket').find(([id]) => id === logBucket)!;
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
  });
});

describe('a dashboard with every organisational prop', () => {
  let template: Template;
  let stack: Stack;
  beforeAll(() => {
    stack = build(organisational).stack;
    template = Template.fromStack(stack);
  });

  test('every log group the construct creates, aws-cdk-lib\'s included, keeps a year and uses the key', () => {
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    // Functions, flow logs, state machines, rotation functions and providers: every one of them.
    expect(groups.length).toBeGreaterThanOrEqual(10);
    for (const [id, group] of groups) {
      expect([id, group.Properties.RetentionInDays]).toEqual([id, 365]);
      expect([id, group.Properties.KmsKeyId]).toEqual([id, keyArn(template)]);
    }
  });

  test('every function logs to a log group of the construct, none to an implicit one that never expires', () => {
    const groups = new Set(resourcesOf(template, 'AWS::Logs::LogGroup').map(([id]) => id));
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(5);
    for (const [id, fn] of functions) {
      expect([id, groups.has(refId(fn.Properties.LoggingConfig?.LogGroup))]).toEqual([id, true]);
    }
  });

  test('the key encrypts the bucket, the queue, the file system, the database, the secrets, the volumes and the vault', () => {
    const key = keyArn(template);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } }] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: key });
    template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true, KmsKeyId: key });
    template.hasResourceProperties('AWS::RDS::DBInstance', { StorageEncrypted: true, KmsKeyId: key });
    const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(2);
    for (const [, secret] of secrets) {
      expect(secret.Properties.KmsKeyId).toEqual(key);
    }
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: Match.objectLike({ Encrypted: true, KmsKeyId: key }) }] }),
    });
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: key });
  });

  test('the log bucket keeps SSE-S3, the only encryption log delivery writes to', () => {
    const logBucket = idOf(template, 'AWS::S3::Bucket', /LogBucket/);
    const [, bucket] = resourcesOf(template, 'AWS::S3::Bucket').find(([id]) => id === logBucket)!;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
  });

  test('the key policy lets CloudWatch Logs use it for this account\'s log groups, and Auto Scaling for the volumes', () => {
    const [, key] = theResource(template, 'AWS::KMS::Key');
    const statements = key.Properties.KeyPolicy.Statement as any[];
    const stringOf = (v: unknown) => JSON.stringify(stack.resolve(v));
    const logsStatement = statements.find((s) => s.Sid === 'CloudWatchLogsOfThisAccount');
    expect(logsStatement.Principal).toEqual({ Service: 'logs.eu-west-2.amazonaws.com' });
    expect(stringOf(logsStatement.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
    expect(stringOf(logsStatement.Condition)).toContain(':logs:eu-west-2:123456789012:log-group:*');
    const grants = statements.find((s) => s.Sid === 'AutoScalingVolumeGrants');
    expect(grants.Action).toBe('kms:CreateGrant');
    expect(grants.Condition.Bool).toEqual({ 'kms:GrantIsForAWSResource': true });
    expect(stringOf(grants.Condition.ArnEquals)).toContain('AWSServiceRoleForAutoScaling');
    // One statement per publisher or one naming them all, as the aws-cdk-lib release renders it.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'backup.amazonaws.com']) {
      const publisher = statements.find((s) => [s.Principal?.Service].flat().includes(service)
        && s.Condition?.StringEquals?.['aws:SourceAccount'] === '123456789012');
      expect(publisher).toBeDefined();
      expect(publisher.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
      expect(publisher.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    }
  });

  test('every role that reads an encrypted secret, bucket or queue may decrypt with the key', () => {
    const key = keyArn(template);
    const decrypts = (role: RegExp, action: string) => statementsOf(template, role)
      .some((s) => actionsOf(s).includes(action) && JSON.stringify(s.Resource) === JSON.stringify(key));
    // The instances read the app secret; the provisioning reads both; the sync function reads the bucket and fills the queue.
    expect(decrypts(/FleetRole/, 'kms:Decrypt')).toBe(true);
    expect(decrypts(/ProvisioningRole|DatabaseUser.*Role|Provision.*Role/, 'kms:Decrypt')).toBe(true);
    expect(decrypts(/FileSyncRole/, 'kms:Decrypt')).toBe(true);
    expect(decrypts(/FileSyncRole/, 'kms:GenerateDataKey')).toBe(true);
    // The rotation applications are given the key, so their functions may use it.
    for (const [, app] of resourcesOf(template, 'AWS::Serverless::Application')) {
      expect(app.Properties.Parameters.kmsKeyArn).toEqual(key);
    }
  });

  test('load balancer deletion protection, and access logs', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
  });

  test('detailed monitoring of the instances', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ Monitoring: { Enabled: true } }) });
  });

  test('enhanced monitoring of the database, with a role RDS may assume', () => {
    const [, db] = theResource(template, 'AWS::RDS::DBInstance');
    expect(db.Properties.MonitoringInterval).toBe(15);
    const role = refId(db.Properties.MonitoringRoleArn);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonRDSEnhancedMonitoringRole')])] }],
    });
    expect(role).toMatch(/MonitoringRole/);
  });

  test('the database listens on the port given, and every rule to it opens that port only', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { Port: '5306' });
    const dbGroup = refId((theResource(template, 'AWS::RDS::DBInstance')[1].Properties.VPCSecurityGroups as unknown[])[0]);
    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => refId(r.Properties.GroupId) === dbGroup);
    // The fleet, the rotation functions and the provisioning function: the port written, or the
    // database's own port (the functions' rules, made with the instance's default port).
    expect(ingress).toHaveLength(3);
    const instancePort = { 'Fn::GetAtt': [refId({ Ref: idOf(template, 'AWS::RDS::DBInstance', /Database/) }), 'Endpoint.Port'] };
    for (const [, rule] of ingress) {
      expect(rule.Properties.FromPort).toEqual(rule.Properties.ToPort);
      expect([5306, instancePort]).toContainEqual(rule.Properties.FromPort);
    }
    expect(ingress.filter(([, rule]) => rule.Properties.FromPort === 5306)).toHaveLength(1);
  });

  test('the group launches the instance type first, then the additional ones, all On-Demand', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: Match.absent(),
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: Match.anyValue(),
          Overrides: [{ InstanceType: 't3a.medium' }, { InstanceType: 't3.medium' }, { InstanceType: 'm6a.large' }],
        },
        InstancesDistribution: { OnDemandAllocationStrategy: 'prioritized', OnDemandPercentageAboveBaseCapacity: 100 },
      },
    });
  });

  test('both buckets log to the organisation\'s bucket; the log bucket is versioned and drops old versions', () => {
    const logBucket = idOf(template, 'AWS::S3::Bucket', /LogBucket/);
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(2);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toBe('example-org-access-logs');
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
    const prefixes = buckets.map(([, b]) => b.Properties.LoggingConfiguration.LogFilePrefix as string);
    expect(new Set(prefixes).size).toBe(2);
    const [, log] = buckets.find(([id]) => id === logBucket)!;
    expect(log.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      ExpirationInDays: 365,
      NoncurrentVersionExpiration: { NoncurrentDays: DEFAULTS.logBucketNoncurrentVersionRetention.toDays() },
    });
  });
});

test('an imported key: synth warns with the statements its policy needs, and still uses it', () => {
  const { stack, template } = synth((s) => ({
    encryptionKey: kms.Key.fromKeyArn(s, 'OrgKey', 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
  }));
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('encryptionKey arn:aws:kms:eu-west-2:123456789012:key/1234abcd'));
  expect(warnings).toHaveLength(1);
  const text = String(warnings[0].entry.data);
  expect(text).toContain(IMPORTED_ENCRYPTION_KEY_WARNING);
  expect(text).toContain('logs.eu-west-2.amazonaws.com');
  expect(text).toContain('kms:GrantIsForAWSResource');
  template.hasResourceProperties('AWS::EFS::FileSystem', { KmsKeyId: 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
});

test('with the firewall and DESTROY too, every log group keeps the retention given and uses the key', () => {
  const { template } = synth((s) => ({
    encryptionKey: new kms.Key(s, 'Key'),
    logRetention: logs.RetentionDays.TEN_YEARS,
    firewall: {},
    removalPolicy: RemovalPolicy.DESTROY,
    databaseMonitoringInterval: Duration.minutes(1),
  }));
  template.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60 });
  const key = { 'Fn::GetAtt': [idOf(template, 'AWS::KMS::Key', /^Key/), 'Arn'] };
  const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
  // The firewall's group and the vault cleanup's groups among them.
  expect(groups.some(([, g]) => JSON.stringify(g.Properties.LogGroupName ?? '').includes('aws-waf-logs-'))).toBe(true);
  expect(groups.some(([id]) => /Cleanup|Vault/.test(id))).toBe(true);
  for (const [id, group] of groups) {
    expect([id, group.Properties.RetentionInDays, group.Properties.KmsKeyId]).toEqual([id, 3653, key]);
  }
});

test('a database restored from a snapshot keeps the snapshot\'s key: KmsKeyId is left out, as CloudFormation requires', () => {
  const { template } = synth((s) => ({
    encryptionKey: new kms.Key(s, 'Key'),
    databaseSnapshotIdentifier: 'arn:aws:rds:eu-west-2:123456789012:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453',
  }));
  const [, db] = theResource(template, 'AWS::RDS::DBInstance');
  expect(db.Properties.DBSnapshotIdentifier).toMatch(/^arn:aws:rds:/);
  expect(db.Properties.KmsKeyId).toBeUndefined();
  expect(db.Properties.StorageEncrypted).toBeUndefined();
  // The secrets are still the key's.
  for (const [, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret')) {
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [idOf(template, 'AWS::KMS::Key', /^Key/), 'Arn'] });
  }
});

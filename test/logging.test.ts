import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULTS } from '../src/private/defaults';
import { createLogBucket, createLogGroup } from '../src/private/logging';

describe('log groups', () => {
  test('bounded retention by default, three months', () => {
    const stack = new Stack();
    createLogGroup(stack, 'Logs');
    createLogGroup(stack, 'Short', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    expect(DEFAULTS.logRetention).toBe(logs.RetentionDays.THREE_MONTHS);
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.LogGroupName).toBeUndefined();
    }
  });
});

describe('log buckets', () => {
  let template: Template;
  beforeAll(() => {
    const stack = new Stack();
    createLogBucket(stack, 'Kept', Duration.days(30));
    createLogBucket(stack, 'Dropped', Duration.days(7), RemovalPolicy.DESTROY);
    template = Template.fromStack(stack);
  });

  test('SSE-S3, private, owner-enforced, expiring after the retention; kept by default', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: Match.absent(),
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })] },
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] } }),
      DeletionPolicy: 'Delete',
    });
  });

  test('TLS only, and the finding about its own access logs is suppressed with a reason', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResource('AWS::S3::Bucket', {
      Metadata: { cdk_nag: { rules_to_suppress: [Match.objectLike({ id: 'AwsSolutions-S1', reason: Match.stringLikeRegexp('access logs') })] } },
    });
  });
});

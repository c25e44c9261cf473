import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LoadBalancerAccessLogs } from '../src/access-logs';

describe('load balancer access logs', () => {
  function stackWith(region?: string): { stack: Stack; loadBalancer: elbv2.ApplicationLoadBalancer } {
    const stack = new Stack(new App(), 'Logged', region ? { env: { region } } : undefined);
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    return { stack, loadBalancer };
  }

  test('refused on an environment-agnostic stack, naming the construct and loadBalancer', () => {
    const { stack, loadBalancer } = stackWith();
    expect(() => new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer }))
      .toThrow(/LoadBalancerAccessLogs Logged\/AccessLogs: loadBalancer must be in a stack with a concrete region/);
  });

  test('with a concrete region: an SSE-S3, TLS-only, private bucket with expiring logs', () => {
    const { stack, loadBalancer } = stackWith('eu-west-1');
    const accessLogs = new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer });
    expect(accessLogs.prefix).toBe('alb');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.absent(),
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::S3::Bucket', {
      Metadata: { cdk_nag: { rules_to_suppress: [Match.objectLike({ id: 'AwsSolutions-S1', reason: Match.stringLikeRegexp('access logs') })] } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { AWS: Match.anyValue() } }),
        ]),
      },
    });
    // The writer is eu-west-1's regional log-delivery account, which is why a region is required.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 's3:PutObject',
          Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::156460612806:root'])] } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
      ]),
    });
  });

  test('retention and removal policy of our bucket are configurable', () => {
    const { stack, loadBalancer } = stackWith('us-east-1');
    new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer, retention: Duration.days(30), removalPolicy: RemovalPolicy.DESTROY, prefix: 'pi/alb' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.prefix', Value: 'pi/alb' }]),
    });
  });

  test('the user\'s bucket is used as is', () => {
    const { stack, loadBalancer } = stackWith('us-east-1');
    const bucket = new s3.Bucket(stack, 'Theirs', { encryption: s3.BucketEncryption.S3_MANAGED });
    const accessLogs = new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer, bucket });
    expect(accessLogs.bucket).toBe(bucket);
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('a KMS-encrypted bucket is refused', () => {
    const { stack, loadBalancer } = stackWith('us-east-1');
    const bucket = new s3.Bucket(stack, 'Theirs', { encryption: s3.BucketEncryption.KMS });
    expect(() => new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer, bucket })).toThrow(/LoadBalancerAccessLogs Logged\/AccessLogs: bucket is encrypted with a KMS key/);
  });

  test.each(['/alb', 'alb/', 'x/AWSLogs'])('a bad prefix %s is refused', (prefix) => {
    const { stack, loadBalancer } = stackWith('us-east-1');
    expect(() => new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer, prefix })).toThrow(/LoadBalancerAccessLogs Logged\/AccessLogs: prefix must not/);
  });

  test('retention below a day is refused', () => {
    const { stack, loadBalancer } = stackWith('us-east-1');
    expect(() => new LoadBalancerAccessLogs(stack, 'AccessLogs', { loadBalancer, retention: Duration.hours(12) }))
      .toThrow(/LoadBalancerAccessLogs Logged\/AccessLogs: retention must be at least 1 day/);
  });
});

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { suppressNag } from './nag';

/** Options of {@link createLogGroup}. Internal. */
export interface LogGroupOptions {
  /** @default DEFAULTS.logRetention */
  readonly retention?: logs.RetentionDays;
  /**
   * What happens to the group when the stack is deleted.
   * @default RemovalPolicy.RETAIN (logs outlive the stack for an investigation; retention still expires them)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A log group with bounded retention and a generated name, so two stacks can live side by side.
 *
 * Used for VPC flow logs and Lambda functions: giving a function its own group (its
 * `logGroup` prop) replaces the implicit, never-expiring `/aws/lambda/<name>` group.
 * Internal: not part of the jsii API.
 */
export function createLogGroup(scope: Construct, id: string, options: LogGroupOptions = {}): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: options.retention ?? DEFAULTS.logRetention,
    removalPolicy: options.removalPolicy ?? DEFAULTS.logRemovalPolicy,
  });
}

/** How long a log bucket keeps objects: as long as the log groups keep events, in whole days. */
export function logBucketRetention(retention: logs.RetentionDays): Duration {
  // INFINITE is 9999 in the enum: keep bucket objects for ten years then.
  return Duration.days(retention === logs.RetentionDays.INFINITE ? 3650 : retention);
}

/**
 * A bucket for access logs (S3 server access logs, load balancer access logs) that expires them
 * after `retention`. SSE-S3, because neither log delivery supports SSE-KMS. With `DESTROY` its
 * objects are deleted with it (a bucket that holds objects cannot be deleted). Internal.
 */
export function createLogBucket(
  scope: Construct, id: string, retention: Duration, removalPolicy: RemovalPolicy = DEFAULTS.statefulRemovalPolicy,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    lifecycleRules: [{ expiration: retention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
  });
  suppressNag(bucket, [{
    id: 'AwsSolutions-S1',
    reason: 'This bucket holds access logs itself; logging its own access would need yet another log bucket. '
      + 'Only the log-delivery service principals write to it, and TLS is enforced.',
  }]);
  return bucket;
}

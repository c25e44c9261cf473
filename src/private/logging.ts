import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
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

/** The helper functions already given a log group (a stack may hold several dashboards). */
const ADOPTED = new WeakSet<CfnResource>();

/**
 * Gives aws-cdk-lib's stack-wide helper functions (bucket notifications, auto-delete objects,
 * and the other custom resource providers built from a bare `AWS::Lambda::Function` at the
 * stack's root) a log group of `scope` with bounded retention, through their `LoggingConfig`.
 * Lambda would otherwise create `/aws/lambda/<name>` at the first call, with no retention and
 * owned by no stack, so it would outlive every removal policy. Call it once the constructs that
 * bring those helpers exist. Internal.
 */
export function adoptHelperFunctionLogs(scope: Construct, retention: logs.RetentionDays): logs.LogGroup[] {
  const stack = Stack.of(scope);
  const helpers = stack.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function')
    // A lambda.Function's CfnFunction has its own logging; the helpers are bare CfnResources
    // whose parent is a child of the stack itself.
    .filter((c) => !(c instanceof lambda.CfnFunction) && c.node.scope?.node.scope === stack && !ADOPTED.has(c));
  return helpers.map((helper) => {
    ADOPTED.add(helper);
    const group = createLogGroup(scope, `HelperLogs${helper.node.scope!.node.id.replace(/[^A-Za-z0-9]/g, '')}`, { retention });
    helper.addPropertyOverride('LoggingConfig.LogGroup', group.logGroupName);
    return group;
  });
}

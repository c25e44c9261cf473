import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULTS } from './private/defaults';
import { createLogBucket } from './private/logging';
import { ownerOf, validate } from './private/validation';

/**
 * Properties of {@link LoadBalancerAccessLogs}.
 */
export interface LoadBalancerAccessLogsProps {
  /** The load balancer whose access logs are turned on. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;

  /**
   * Bucket that receives the logs. It must use SSE-S3 (Amazon S3 managed keys):
   * load balancers cannot write to a bucket encrypted with a KMS key.
   *
   * @default - a new bucket: SSE-S3, TLS only, public access blocked, logs expire after `retention`
   */
  readonly bucket?: s3.IBucket;

  /**
   * Key prefix of the log objects (without leading or trailing slash).
   *
   * @default 'alb'
   */
  readonly prefix?: string;

  /**
   * How long log objects are kept in the bucket created here (ignored when `bucket` is given).
   *
   * @default Duration.days(90)
   */
  readonly retention?: Duration;

  /**
   * What happens to the bucket created here when the stack is deleted (ignored when `bucket` is given).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Access logs of an Application Load Balancer, written to a bucket of ours or the user's.
 *
 * Only for stacks with a concrete region (`env: { region: 'eu-west-1' }`): the principal
 * allowed to write the logs differs by region, so an environment-agnostic stack is refused
 * with an error at synth time.
 */
export class LoadBalancerAccessLogs extends Construct {
  /** The bucket receiving the logs. */
  public readonly bucket: s3.IBucket;

  /** The key prefix of the log objects. */
  public readonly prefix: string;

  /**
   * Turns on the load balancer's access logs.
   *
   * @param scope the construct to add the log bucket (when one is made) to
   * @param id the id of this construct, unique within `scope`
   * @param props the load balancer, and where its logs go
   */
  constructor(scope: Construct, id: string, props: LoadBalancerAccessLogsProps) {
    super(scope, id);

    const prefix = props.prefix ?? DEFAULTS.accessLogsPrefix;
    const retention = props.retention ?? DEFAULTS.accessLogsRetention;
    validate(ownerOf('LoadBalancerAccessLogs', this), props, [
      {
        prop: 'loadBalancer',
        violated: () => Token.isUnresolved(Stack.of(props.loadBalancer).region),
        message: () => 'loadBalancer must be in a stack with a concrete region for access logs, because the principal '
          + 'that delivers the logs differs by region. Set `env: { region: ... }` on the stack, or leave `accessLogs` unset.',
      },
      {
        prop: 'prefix',
        violated: () => !Token.isUnresolved(prefix) && (prefix.startsWith('/') || prefix.endsWith('/') || /AWSLogs/i.test(prefix)),
        message: () => `prefix must not start or end with "/" nor contain "AWSLogs" (got "${prefix}")`,
      },
      {
        prop: 'bucket',
        violated: () => props.bucket?.encryptionKey !== undefined,
        message: () => 'bucket is encrypted with a KMS key, which load balancers cannot write to; use SSE-S3 (BucketEncryption.S3_MANAGED)',
      },
      {
        prop: 'retention',
        violated: () => !props.bucket && !retention.isUnresolved() && retention.toDays({ integral: false }) < 1,
        message: () => `retention must be at least 1 day (got ${retention.toHumanString()})`,
      },
    ]);
    this.prefix = prefix;

    this.bucket = props.bucket ?? createLogBucket(this, 'Bucket', retention, props.removalPolicy);
    props.loadBalancer.logAccessLogs(this.bucket, prefix);
  }
}

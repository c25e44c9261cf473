import { CustomResource, Duration, FileSystem, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DATA_OWNER, DATA_ROOT, PREFIX_DIRECTORIES } from './keys';
import { DEFAULTS } from '../private/defaults';
import { vpcFunctionRole } from '../private/function-role';
import { handlerAsset } from '../private/handler-resource';
import { createLogGroup } from '../private/logging';
import { nagResourceFinding, suppressNag } from '../private/nag';
import { keepUnlessDestroy } from '../private/removal-policies';
import { ownerOf, validate, wholeNumberIn } from '../private/validation';

/** Construct id of aws-cdk-lib's singleton that configures bucket notifications in a stack. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/** Where the function mounts its access point, which exposes /var/panintelligence of the file system. */
const MOUNT_PATH = '/mnt/efs';

/** The bundled handler, sync.lambda.ts. */
const HANDLER_ASSET = handlerAsset(__dirname, 'sync');

/**
 * Memory of the function, from the benchmark (`npx projen bench`): a 1 GiB copy peaks at about
 * 92 MB of RSS and takes 4-5 CPU-seconds. Lambda gives CPU in proportion to memory (1,769 MB is
 * one vCPU), so 512 MB copies at roughly 70 MB/s, about EFS's burst rate for a small file
 * system, with five times the memory the copy needs.
 */
const DEFAULT_MEMORY_MB = 512;

/** The re-sync of a whole bucket shares the function with the events, and sets its time limit. */
const DEFAULT_TIMEOUT = Duration.minutes(15);

/**
 * An access point mount without the statement Lambda adds by default (`ClientMount` and
 * `ClientWrite` on `*`, conditioned on the access point): the role's grant on the file system
 * itself, through its mount targets, already covers mounting.
 */
class AccessPointMount extends lambda.FileSystem {
  constructor(accessPoint: efs.AccessPoint, localMountPath: string) {
    super({ ...lambda.FileSystem.fromEfsAccessPoint(accessPoint, localMountPath).config, policies: [] });
  }
}

/** Properties of {@link FileSync}. */
export interface FileSyncProps {
  /** The VPC the function runs in: it must reach the file system's mount targets and S3. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets for the function: private subnets with a route to S3 (a NAT gateway or an S3
   * gateway endpoint) and a mount target of the file system in their Availability Zones.
   */
  readonly vpcSubnets: ec2.SubnetSelection;

  /**
   * The file system that holds the dashboard's data directories. The function reaches them
   * through an access point of its own, rooted at `/var/panintelligence` and acting as the
   * dashboard's user and group, and is allowed to its NFS port.
   */
  readonly fileSystem: efs.FileSystem;

  /**
   * What happens to the uploads bucket when it leaves the stack. With `DESTROY` its objects
   * are deleted first, as a non-empty bucket cannot be deleted; `SNAPSHOT` means `RETAIN`.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Customer managed KMS key of the uploads bucket (with an S3 Bucket Key, so S3 asks KMS for a
   * data key rarely) and of the dead-letter queue; the function is granted what it needs of it.
   * Uploaders then need `kms:GenerateDataKey` on the key.
   *
   * @default - SSE-S3 for the bucket and SSE-SQS for the queue
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Bucket that receives the uploads bucket's S3 server access logs.
   *
   * @default - no server access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of the server access logs in `serverAccessLogsBucket`.
   *
   * @default - a prefix unique to this construct, ending in `/`
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * Runtime of the sync function: Node.js 24 or later, the version the handler (plain
   * JavaScript with its AWS SDK) is bundled for.
   *
   * @default - the newest Node.js runtime the app's aws-cdk-lib knows, Node.js 24 at least
   */
  readonly runtime?: lambda.Runtime;

  /**
   * How long the function's log is kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS, like every log group of this library
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Memory of the function in MB. A copy streams, so it needs under 128 MB whatever the object
   * size; Lambda scales CPU, and so copy speed, with memory (about 70 MB/s at 512 MB).
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Time limit of one invocation: the largest upload must fit in it. A re-sync that does not
   * carries on in new invocations.
   *
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * Requests in flight during a re-sync, from 1 to 50 (the SDK's connection pool). Measured
   * with `npx projen bench` on many 8 KiB objects: a re-sync is bound by the latency of each
   * request, and 16 keeps the function's CPU busy without queueing on the pool.
   *
   * @default 16
   */
  readonly concurrency?: number;
}

/**
 * Keeps the dashboard's data directories on EFS in line with an S3 uploads bucket.
 *
 * Objects under `images/`, `themes/`, `excel-data/` (and `excel/`) and `svg/` land in
 * `/var/panintelligence/{images,themes,excel,svg}` of the file system, keeping the rest of
 * their key; deleting an object deletes its file. Every ObjectCreated and ObjectRemoved
 * notification of those prefixes invokes the sync function, which reads the bucket's current
 * state before acting, so retried and reordered events converge. Events that still fail after
 * Lambda's retries land in `deadLetterQueue`.
 *
 * Objects already in the bucket are copied once at deploy time (and again whenever the handler
 * code, bucket or access point changes). To re-sync on demand, for example after restoring the
 * file system from a backup, invoke the function with `{"resync": true}`:
 *
 * ```sh
 * aws lambda invoke --function-name <syncFunction name> \
 *   --cli-binary-format raw-in-base64-out --payload '{"resync":true}' result.json
 * ```
 *
 * The answer counts the objects copied, unchanged, skipped and failed. A re-sync that runs out
 * of time carries on in a new invocation of the function, from where it stopped, until the
 * bucket is done. A file is copied when it is missing or
 * its size or modification time differs from the object's; `{"resync": true, "force": true}`
 * copies everything. A re-sync deletes no file, as the dashboard may write its own.
 */
export class FileSync extends Construct {
  /**
   * The uploads bucket: versioned, encrypted (SSE-S3, or SSE-KMS with `encryptionKey`), TLS
   * only, no public access. Upload files under `images/`, `themes/`, `excel-data/` or `svg/`;
   * other keys are not synced.
   */
  public readonly bucket: s3.Bucket;

  /** The function that copies objects to the file system and deletes removed ones. */
  public readonly function: lambda.Function;

  /**
   * Events the function could not handle after Lambda's retries (SSE-SQS, or SSE-KMS with
   * `encryptionKey`; TLS only).
   */
  public readonly deadLetterQueue: sqs.Queue;

  /**
   * The function's way into the file system: `/var/panintelligence` only, as the dashboard's
   * user and group (8224:8224), never as root.
   */
  public readonly accessPoint: efs.AccessPoint;

  /** Security group of the function: egress only, HTTPS out and NFS to the file system. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** Log group of the function, with bounded retention. */
  public readonly logGroup: logs.LogGroup;

  /** The custom resource that runs the deploy-time re-sync. */
  public readonly initialSync: CustomResource;

  constructor(scope: Construct, id: string, props: FileSyncProps) {
    super(scope, id);

    const removalPolicy = keepUnlessDestroy(props.removalPolicy);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // SSE-S3 unless a key is given: the data is shared with every dashboard user anyway, and
      // it spares uploaders and the function a key policy, and the account a key per dashboard.
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      versioned: true,
      lifecycleRules: [{
        id: 'expire-old-versions',
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? props.serverAccessLogsPrefix ?? `${Names.uniqueId(this)}/` : undefined,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(props.encryptionKey
        ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Everything the function writes is the dashboard's, without root access: a link on the
    // share can lead it nowhere outside the data root, and it can change no one else's files.
    const owner = { uid: String(DATA_OWNER.uid), gid: String(DATA_OWNER.gid) };
    this.accessPoint = new efs.AccessPoint(this, 'AccessPoint', {
      fileSystem: props.fileSystem,
      path: `/${DATA_ROOT}`,
      posixUser: owner,
      // Made so on the first mount when no instance has made it yet.
      createAcl: { ownerUid: owner.uid, ownerGid: owner.gid, permissions: '755' },
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Panintelligence file sync function: HTTPS out, NFS to the file system',
      allowAllOutbound: false,
    });
    // Any address: S3 is reached through a gateway endpoint or a NAT gateway depending on the
    // VPC, and the endpoint's prefix list cannot be known in an environment-agnostic stack.
    // CloudFormation's response URL (deploy-time re-sync) is on S3 too.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3');
    // Before the function exists: it waits for the security group rules made so far.
    props.fileSystem.connections.allowDefaultPortFrom(this.securityGroup, 'NFS from the file sync function');

    this.logGroup = createLogGroup(this, 'LogGroup', { retention: props.logRetention });

    const role = vpcFunctionRole(this, 'Role', 'Panintelligence file sync function', this.logGroup);
    // Read only the synced prefixes. ListBucket makes a missing key answer 404 rather than
    // 403, which the handler needs to tell a deleted object from a failure.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: PREFIX_DIRECTORIES.map(p => this.bucket.arnForObjects(`${p.prefix}*`)),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
    }));
    this.bucket.encryptionKey?.grantDecrypt(role);
    // Lambda sends failed events to the queue as the function's role, which grants only
    // sqs:SendMessage itself; an encrypted queue also needs a data key.
    props.encryptionKey?.grant(role, 'kms:GenerateDataKey');
    // Mount and write through its access point only; no root access.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      resources: [props.fileSystem.fileSystemArn],
      conditions: {
        Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
        StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn },
      },
    }));

    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    const concurrency = props.concurrency ?? DEFAULTS.syncConcurrency;
    validate(ownerOf('FileSync', this), props, [wholeNumberIn('concurrency', () => concurrency, 1, 50)]);
    this.function = new lambda.Function(this, 'Function', {
      description: 'Copies Panintelligence uploads from S3 to the dashboard file system',
      runtime: props.runtime ?? DEFAULTS.handlerRuntime,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(HANDLER_ASSET),
      role,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [this.securityGroup],
      filesystem: new AccessPointMount(this.accessPoint, MOUNT_PATH),
      environment: {
        MOUNT_PATH,
        // The access point's root is the data root: the data directories are right under the mount.
        DATA_ROOT: '.',
        BUCKET_NAME: this.bucket.bucketName,
        SYNC_CONCURRENCY: Token.isUnresolved(concurrency) ? Token.asString(concurrency) : String(concurrency),
      },
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });

    const destination = new s3n.LambdaDestination(this.function);
    // One filter per prefix: other keys (such as keys/ or logs/) never invoke the function.
    for (const { prefix } of PREFIX_DIRECTORIES) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, { prefix });
      this.bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, destination, { prefix });
    }

    suppressNag(role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'Read-only access to the objects under the synced prefixes of the uploads bucket, whose keys are the users\' uploads.',
      appliesTo: PREFIX_DIRECTORIES.map(p => nagResourceFinding(this, this.bucket.arnForObjects(`${p.prefix}*`))),
    }]);
    // aws-cdk-lib's stack-wide function that configures bucket notifications.
    const notificationsHandler = Stack.of(this).node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
    if (notificationsHandler) {
      suppressNag(notificationsHandler.node.findChild('Role'), [{
        id: 'AwsSolutions-IAM4',
        reason: 'aws-cdk-lib\'s bucket-notifications handler runs once per deployment with only the basic Lambda logging policy.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      }]);
    }

    // A re-sync that runs out of time carries on in a new invocation of the function. A policy
    // of its own, not the role's default one, which the function depends on: it names the
    // function, which would make a cycle.
    const continuation = new iam.Policy(this, 'ContinuationPolicy', {
      statements: [new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn],
      })],
    });
    continuation.attachToRole(role);

    // CloudFormation invokes the function directly: no provider function, role or log group.
    // Its properties change with the handler code, bucket or access point, re-running it.
    // Room for Lambda's two retries if the first attempt cannot even start; the re-sync, with
    // its continuations, answers within TimeLimitSeconds of its start.
    const serviceTimeout = Math.min(3600, timeout.toSeconds() * 3 + 300);
    this.initialSync = new CustomResource(this, 'InitialSync', {
      resourceType: 'Custom::PanintelligenceFileSync',
      serviceToken: this.function.functionArn,
      properties: {
        BucketName: this.bucket.bucketName,
        AccessPointId: this.accessPoint.accessPointId,
        HandlerHash: FileSystem.fingerprint(HANDLER_ASSET),
        TimeLimitSeconds: Math.max(timeout.toSeconds(), serviceTimeout - 2 * timeout.toSeconds() - 60),
      },
      serviceTimeout: Duration.seconds(serviceTimeout),
    });
    // After the notifications exist, so nothing uploaded meanwhile is missed, and once the
    // function may invoke itself.
    this.initialSync.node.addDependency(this.bucket, continuation);
  }
}

import { Annotations, CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LoadBalancerAccessLogs } from './access-logs';
import { FileSystemBackup } from './backup';
import { FileSync } from './file-sync/file-sync';
import { DashboardAlarmOptions, DashboardMonitoring } from './monitoring';
import { renderDashboardUserData } from './private/boot';
import { rememberProps } from './private/dashboard-props';
import { DASHBOARD_RULES } from './private/dashboard-rules';
import { DashboardDatabase, DATABASE_PORT, SCHEMA_NAME } from './private/database';
import { DEFAULTS } from './private/defaults';
import { DashboardFileSystem } from './private/file-system';
import { DashboardFleet } from './private/fleet';
import { DashboardLoadBalancer } from './private/load-balancer';
import { createLogBucket } from './private/logging';
import { DashboardNetwork } from './private/network';
import { known, ownerOf, validate } from './private/validation';

/**
 * Properties of a {@link PanintelligenceDashboard}.
 */
export interface PanintelligenceDashboardProps {
  /**
   * The Panintelligence dashboard AMI: the Marketplace "BYOL without database" image
   * (Ubuntu 20.04, x86_64), for example from `ec2.MachineImage.lookup()` or
   * `ec2.MachineImage.genericLinux()`.
   */
  readonly machineImage: ec2.IMachineImage;

  /**
   * The dashboard licence: a Secrets Manager secret whose value is the one-line licence XML or an
   * Automated Licence Manager id. It is read on the instance at every boot and never appears in
   * the template or the user data.
   *
   * @default - no licence; trial and metered AMIs carry their own
   */
  readonly licence?: secretsmanager.ISecret;

  /**
   * The VPC to deploy into. It needs public subnets for the load balancer and private subnets
   * with egress for the instances; the database uses isolated subnets when there are any, else
   * the private ones.
   *
   * @default - a new VPC across 2 Availability Zones with public, private-with-egress and
   * isolated subnets, flow logs, an S3 gateway endpoint and a Secrets Manager interface endpoint
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Number of NAT gateways of the VPC created here: 1 is cheapest, 2 (one per Availability
   * Zone) survives the loss of a zone. Only valid when `vpc` is not given.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * Whether to create a Secrets Manager interface endpoint, so instances and the rotation
   * function reach Secrets Manager without the NAT gateway.
   *
   * @default - true when the VPC is created here; false for a given VPC (which may have one)
   */
  readonly secretsManagerEndpoint?: boolean;

  /**
   * Certificate of the HTTPS listener.
   *
   * @default - a DNS-validated certificate for `domainName`, validated in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Public host name of the dashboard, e.g. `bi.example.com`. With `hostedZone`, an alias
   * record pointing at the load balancer is created.
   *
   * @default - the load balancer's DNS name (then `certificate` is required)
   */
  readonly domainName?: string;

  /**
   * Hosted zone that contains `domainName`: used to validate the default certificate and to
   * create the alias record.
   *
   * @default - no DNS record is created
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * TLS policy of the HTTPS listener.
   *
   * @default elbv2.SslPolicy.TLS13_RES (TLS 1.3, and TLS 1.2 with restricted ciphers)
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * Instance type of the dashboard instances (x86_64: the AMI has no Graviton build).
   *
   * @default t3a.medium
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * CPU credit option of burstable instance types. `STANDARD` caps the cost of a busy
   * instance; `UNLIMITED` never throttles it.
   *
   * @default - the instance type's own default (unlimited for T3 and T3a)
   */
  readonly cpuCredits?: ec2.CpuCredits;

  /**
   * Root volume type: `GP3` or `GP2`.
   *
   * @default ec2.EbsDeviceVolumeType.GP3
   */
  readonly volumeType?: ec2.EbsDeviceVolumeType;

  /**
   * Root volume size in GiB, 8 to 16384. Below 15 GiB a warning is given: the application and
   * its local logs need room.
   *
   * @default 15
   */
  readonly volumeSize?: number;

  /**
   * Device name of the AMI's root volume.
   *
   * @default '/dev/sda1'
   */
  readonly rootDeviceName?: string;

  /**
   * Minimum number of instances.
   *
   * @default 1
   */
  readonly minCapacity?: number;

  /**
   * Maximum number of instances.
   *
   * @default 5
   */
  readonly maxCapacity?: number;

  /**
   * Initial number of instances, between `minCapacity` and `maxCapacity`.
   *
   * @default - `minCapacity` at creation; left to scaling after that
   */
  readonly desiredCapacity?: number;

  /**
   * Average CPU percentage above which an instance is added.
   *
   * @default 70
   */
  readonly scaleOutCpuPercent?: number;

  /**
   * Average CPU percentage below which an instance is removed. Must be below
   * `scaleOutCpuPercent`.
   *
   * @default 20
   */
  readonly scaleInCpuPercent?: number;

  /**
   * The boot budget: how long a new instance may take to boot and answer on `/pi/version`,
   * 5 to 60 minutes. It is the group's health check grace period, the time stack creation and
   * each step of a rolling update wait for the instance's signal, and (less a reserve of 90
   * seconds) the deadline of the boot script's retries, after which it signals failure.
   *
   * @default Duration.minutes(10)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * Path of the load balancer's health check. `/pi/version` must answer 200; any other path
   * may also answer 302 (a redirect to the login page).
   *
   * @default '/pi/version'
   */
  readonly healthCheckPath?: string;

  /**
   * How long the load balancer keeps a connection open without data, 1 to 4000 seconds.
   * Reports and exports can take minutes before the first byte of the answer.
   *
   * @default Duration.minutes(10)
   */
  readonly idleTimeout?: Duration;

  /**
   * Key pair for SSH access.
   *
   * @default - none; use SSM Session Manager
   */
  readonly keyPair?: ec2.IKeyPair;

  /**
   * Instance class of the database (without the `db.` prefix).
   *
   * @default t3.micro (db.t3.micro)
   */
  readonly databaseInstanceType?: ec2.InstanceType;

  /**
   * Allocated database storage in GiB, 20 to 65536.
   *
   * @default 20
   */
  readonly databaseAllocatedStorage?: number;

  /**
   * Whether the database has a standby in a second Availability Zone.
   *
   * @default true
   */
  readonly databaseMultiAz?: boolean;

  /**
   * Whether the database refuses connections without TLS (`require_secure_transport`). The
   * rotation and provisioning functions always connect with TLS; turn this on once the
   * dashboard's own database connection uses TLS too, or it can no longer log in.
   *
   * @default false
   */
  readonly databaseRequireTls?: boolean;

  /**
   * How long automated database backups are kept, 1 to 35 days.
   *
   * @default Duration.days(7)
   */
  readonly databaseBackupRetention?: Duration;

  /**
   * How often the app's database secret (`databaseSecret`) is rotated, 4 hours to 1000 days. The
   * rotation alternates between two database users, so the credentials the running instances
   * hold stay valid until the rotation after next; after each successful rotation the fleet is
   * refreshed so every instance uses the new credentials. The first rotation comes one period
   * after the deployment.
   *
   * @default Duration.days(30)
   */
  readonly secretRotation?: Duration;

  /**
   * How often the database master secret is rotated (in place, single user), 4 hours to 1000
   * days. Only the rotation functions and the provisioning of the app's user read that secret;
   * the instances never do. The first rotation comes one period after the deployment.
   *
   * @default Duration.days(30)
   */
  readonly masterSecretRotation?: Duration;

  /**
   * What happens to the stateful resources (database, file system, uploads and log buckets,
   * backup vault, log groups) when they leave the stack. `SNAPSHOT` applies to the database; the
   * others then keep `RETAIN`. `DESTROY` deletes everything, emptying the buckets and the backup
   * vault first. The README lists what each policy keeps and what that costs per month.
   *
   * @default - RemovalPolicy.SNAPSHOT for the database and RETAIN for the others
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Runtime of the file-sync function: Node.js 24 or later, because its handler is bundled for
   * Node.js 24 (`lambda.Runtime.NODEJS_24_X`, or a later `nodejsNN.x`).
   *
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly syncFunctionRuntime?: lambda.Runtime;

  /**
   * Requests the file-sync function keeps in flight while it re-syncs the bucket (at deploy
   * time and on demand), from 1 to 50. Each copy streams, so memory stays bounded whatever the
   * number; more requests hide S3's latency per object, which dominates for small files.
   *
   * @default 16
   */
  readonly syncConcurrency?: number;

  /**
   * Retention of the log groups this construct creates (VPC flow logs, functions, state machine),
   * and of the objects in its access-log bucket.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Topic that receives alarm, scaling and backup notifications, and a notice of each failed
   * database secret rotation or fleet refresh after a rotation.
   *
   * @default - alarms exist but notify nobody
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Thresholds of the alarms, and switches to turn single alarms off.
   *
   * @default - every alarm with its documented default threshold
   */
  readonly alarms?: DashboardAlarmOptions;

  /**
   * How long the daily AWS Backup recovery points of the file system are kept.
   *
   * @default Duration.days(35)
   */
  readonly fileSystemBackupRetention?: Duration;

  /**
   * Whether the load balancer writes access logs to S3 (to `accessLogsBucket`, or to the log
   * bucket of this construct). Needs a stack with a concrete region, because the principal that
   * delivers the logs differs by region; an environment-agnostic stack is refused.
   *
   * @default false
   */
  readonly accessLogs?: boolean;

  /**
   * Bucket for the load balancer access logs when `accessLogs` is on. It must use SSE-S3.
   *
   * @default - the log bucket of this construct, which also receives the uploads bucket's
   * server access logs
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Subnets of the load balancer.
   *
   * @default - the public subnets
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;

  /**
   * Subnets of the instances, the file system's mount targets and the functions.
   *
   * @default - the private subnets with egress
   */
  readonly fleetSubnets?: ec2.SubnetSelection;

  /**
   * Subnets of the database.
   *
   * @default - the isolated subnets, or the private subnets with egress when there are none
   */
  readonly databaseSubnets?: ec2.SubnetSelection;

  /**
   * Whether to add stack outputs: dashboard URL, load balancer DNS name, uploads bucket and
   * database secret ARN.
   *
   * @default true
   */
  readonly outputs?: boolean;
}

/**
 * The Panintelligence BI dashboard on AWS: an internet-facing Application Load Balancer with
 * TLS, an Auto Scaling group of dashboard instances, an RDS MariaDB repository with rotated
 * credentials, an encrypted EFS file system shared by every instance, and an S3 bucket whose
 * uploads are copied onto that file system.
 *
 * The construct is also an `ec2.IConnectable` for the instances, so they can be allowed to
 * reach your data sources: `warehouse.connections.allowDefaultPortFrom(dashboard)`.
 */
export class PanintelligenceDashboard extends Construct implements ec2.IConnectable {
  /** The VPC the dashboard runs in. */
  public readonly vpc: ec2.IVpc;
  /** The internet-facing Application Load Balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTPS listener (port 443). */
  public readonly httpsListener: elbv2.ApplicationListener;
  /** The target group of the dashboard instances. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The Auto Scaling group of dashboard instances. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The MariaDB instance holding the dashboard's repository. */
  public readonly database: rds.DatabaseInstance;
  /**
   * The secret the dashboard reads: its own database user, with privileges on its schema only
   * (JSON with `username`, `password`, `host`, `port`, `dbname`, `engine` and `masterarn`, the ARN
   * of the master secret). Rotated with alternating users (`<name>` / `<name>_clone`), so read
   * `username` as well as `password` from it. The master secret is not exposed: the instances
   * never read it.
   */
  public readonly databaseSecret: secretsmanager.ISecret;
  /** The file system shared by every instance. */
  public readonly fileSystem: efs.FileSystem;
  /** The uploads bucket: `images/`, `themes/`, `excel-data/` and `svg/` are synced to the file system. */
  public readonly bucket: s3.Bucket;
  /** The function that copies uploads from the bucket to the file system. */
  public readonly syncFunction: lambda.Function;
  /** The CloudWatch dashboard of the stack's signals. */
  public readonly cloudWatchDashboard: cloudwatch.Dashboard;
  /** Every alarm created (those not disabled through `alarms`). */
  public readonly alarms: cloudwatch.Alarm[];
  /** The dashboard, alarms and their settings. */
  public readonly monitoring: DashboardMonitoring;
  /** The AWS Backup plan, vault and restore role of the file system. */
  public readonly fileSystemBackup: FileSystemBackup;
  /** The bucket that receives S3 server access logs (and load balancer logs, when on). */
  public readonly logBucket: s3.Bucket;
  /** The HTTPS URL of the dashboard. */
  public readonly url: string;
  /** Network connections of the dashboard instances. */
  public readonly connections: ec2.Connections;

  /**
   * Deploys the dashboard and everything it needs into `scope`.
   *
   * @param scope the construct (usually a Stack) to add the dashboard to
   * @param id the dashboard's id, unique within `scope`
   * @param props the AMI, the way to the certificate, and any settings to change from their defaults
   * @throws if a prop is out of range or props contradict each other; the message names the prop
   */
  constructor(scope: Construct, id: string, props: PanintelligenceDashboardProps) {
    super(scope, id);
    // Server access logs are granted by a bucket policy, as ACLs are off on new buckets,
    // whatever the app's own feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    validateProps(this, props);
    rememberProps(this, props);

    const removalPolicy = props.removalPolicy;
    const logRetention = props.logRetention ?? DEFAULTS.logRetention;
    const healthCheckGracePeriod = props.healthCheckGracePeriod ?? DEFAULTS.healthCheckGracePeriod;

    const network = new DashboardNetwork(this, 'Network', {
      vpc: props.vpc,
      natGateways: props.natGateways ?? DEFAULTS.natGateways,
      secretsManagerEndpoint: props.secretsManagerEndpoint,
      logRetention,
      loadBalancerSubnets: props.loadBalancerSubnets,
      fleetSubnets: props.fleetSubnets,
      databaseSubnets: props.databaseSubnets,
    });
    this.vpc = network.vpc;

    const storage = new DashboardFileSystem(this, 'Storage', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      removalPolicy: keepUnlessDestroy(removalPolicy),
    });
    this.fileSystem = storage.fileSystem;

    const database = new DashboardDatabase(this, 'Database', {
      vpc: this.vpc,
      vpcSubnets: network.databaseSubnets,
      rotationSubnets: network.fleetSubnets,
      secretsManagerEndpoint: network.secretsManagerEndpoint,
      instanceType: props.databaseInstanceType ?? DEFAULTS.databaseInstanceType,
      allocatedStorage: props.databaseAllocatedStorage ?? DEFAULTS.databaseAllocatedStorage,
      multiAz: props.databaseMultiAz ?? DEFAULTS.databaseMultiAz,
      backupRetention: props.databaseBackupRetention ?? DEFAULTS.databaseBackupRetention,
      secretRotation: props.secretRotation ?? DEFAULTS.secretRotation,
      masterSecretRotation: props.masterSecretRotation ?? DEFAULTS.masterSecretRotation,
      removalPolicy: removalPolicy ?? DEFAULTS.databaseRemovalPolicy,
      logRetention,
      requireTls: props.databaseRequireTls ?? DEFAULTS.databaseRequireTls,
    });
    this.database = database.instance;
    this.databaseSecret = database.secret;

    this.logBucket = createLogBucket(this, 'LogBucket', Duration.days(logRetentionDays(logRetention)), keepUnlessDestroy(removalPolicy));

    const fileSync = new FileSync(this, 'FileSync', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      fileSystem: this.fileSystem,
      removalPolicy: keepUnlessDestroy(removalPolicy),
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'uploads/',
      runtime: props.syncFunctionRuntime ?? DEFAULTS.syncFunctionRuntime,
      concurrency: props.syncConcurrency ?? DEFAULTS.syncConcurrency,
      logRetention,
    });
    this.bucket = fileSync.bucket;
    this.syncFunction = fileSync.function;

    const entry = new DashboardLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      vpcSubnets: network.loadBalancerSubnets,
      certificate: props.certificate,
      domainName: props.domainName,
      hostedZone: props.hostedZone,
      sslPolicy: props.sslPolicy ?? DEFAULTS.sslPolicy,
      healthCheckPath: props.healthCheckPath ?? DEFAULTS.healthCheckPath,
      accessLogsEnabled: props.accessLogs ?? DEFAULTS.accessLogs,
      idleTimeout: props.idleTimeout ?? DEFAULTS.idleTimeout,
    });
    this.loadBalancer = entry.loadBalancer;
    this.httpsListener = entry.httpsListener;
    this.url = `https://${entry.publicHost}/pi/`;
    if (props.accessLogs) {
      new LoadBalancerAccessLogs(this, 'AccessLogs', {
        loadBalancer: this.loadBalancer,
        bucket: props.accessLogsBucket ?? this.logBucket,
        prefix: DEFAULTS.accessLogsPrefix,
      });
    }

    const fleet = new DashboardFleet(this, 'Fleet', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      machineImage: props.machineImage,
      instanceType: props.instanceType ?? DEFAULTS.instanceType,
      cpuCredits: props.cpuCredits,
      rootDeviceName: props.rootDeviceName ?? DEFAULTS.rootDeviceName,
      volumeType: props.volumeType ?? DEFAULTS.volumeType,
      volumeSize: props.volumeSize ?? DEFAULTS.volumeSize,
      keyPair: props.keyPair,
      minCapacity: props.minCapacity ?? DEFAULTS.minCapacity,
      maxCapacity: props.maxCapacity ?? DEFAULTS.maxCapacity,
      desiredCapacity: props.desiredCapacity,
      scaleOutCpuPercent: props.scaleOutCpuPercent ?? DEFAULTS.scaleOutCpuPercent,
      scaleInCpuPercent: props.scaleInCpuPercent ?? DEFAULTS.scaleInCpuPercent,
      bootBudget: healthCheckGracePeriod,
      notificationTopic: props.alarmTopic,
      userData: (signal) => renderDashboardUserData({
        fileSystemId: this.fileSystem.fileSystemId,
        databaseSecretArn: this.databaseSecret.secretArn,
        licenceSecretArn: props.licence?.secretArn,
        publicHost: entry.publicHost,
        schemaName: SCHEMA_NAME,
        signal,
      }),
    });
    this.autoScalingGroup = fleet.autoScalingGroup;
    // Instances mount the file system at first boot: its mount targets must exist by then.
    this.autoScalingGroup.node.addDependency(this.fileSystem.mountTargetsAvailable);
    // ...and log in to the database as the app's user, which must exist by then.
    this.autoScalingGroup.node.addDependency(database.appUser);
    this.connections = this.autoScalingGroup.connections;

    this.targetGroup = entry.addFleet(this.autoScalingGroup);

    // Data flows of the architecture, each opened on both security groups.
    this.database.connections.allowFrom(this.autoScalingGroup, ec2.Port.tcp(DATABASE_PORT), 'MariaDB from the dashboard instances');
    this.fileSystem.connections.allowDefaultPortFrom(this.autoScalingGroup, 'NFS from the dashboard instances');
    network.allowSecretsManagerFrom(this.autoScalingGroup);

    this.databaseSecret.grantRead(fleet.role);
    props.licence?.grantRead(fleet.role);
    database.refreshOnRotation(this.autoScalingGroup, healthCheckGracePeriod, props.alarmTopic);

    this.monitoring = new DashboardMonitoring(this, 'Monitoring', {
      loadBalancer: this.loadBalancer,
      targetGroup: this.targetGroup,
      autoScalingGroup: this.autoScalingGroup,
      database: this.database,
      fileSystem: this.fileSystem,
      syncFunction: this.syncFunction,
      deadLetterQueue: fileSync.deadLetterQueue,
      alarmTopic: props.alarmTopic,
      alarms: props.alarms,
      databaseAllocatedStorage: props.databaseAllocatedStorage ?? DEFAULTS.databaseAllocatedStorage,
      fileSystemThroughputMode: storage.throughputMode,
    });
    this.cloudWatchDashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;

    this.fileSystemBackup = new FileSystemBackup(this, 'Backup', {
      fileSystem: this.fileSystem,
      retention: props.fileSystemBackupRetention ?? DEFAULTS.fileSystemBackupRetention,
      removalPolicy: keepUnlessDestroy(removalPolicy),
      notificationTopic: props.alarmTopic,
      logRetention,
    });

    if (removalPolicy === RemovalPolicy.DESTROY) {
      // Log groups outlive the stack by default, for an investigation; DESTROY leaves nothing.
      for (const child of this.node.findAll()) {
        if (child instanceof logs.CfnLogGroup) {
          child.applyRemovalPolicy(RemovalPolicy.DESTROY);
        }
      }
    }

    if (props.outputs ?? DEFAULTS.outputs) {
      new CfnOutput(this, 'DashboardUrl', { value: this.url, description: 'HTTPS URL of the Panintelligence dashboard' });
      new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancerDnsName, description: 'DNS name of the load balancer' });
      new CfnOutput(this, 'UploadsBucketName', { value: this.bucket.bucketName, description: 'Upload images/, themes/, excel-data/ and svg/ here' });
      new CfnOutput(this, 'DatabaseSecretArn', { value: this.databaseSecret.secretArn, description: 'Secrets Manager secret of the dashboard\'s database user (not the master user)' });
      new CfnOutput(this, 'BackupRestoreRoleArn', { value: this.fileSystemBackup.role.roleArn, description: 'Role to pass to AWS Backup when restoring the file system' });
    }
  }
}

/** Log retention in whole days (the bucket lifecycle follows the log groups). */
function logRetentionDays(retention: logs.RetentionDays): number {
  // INFINITE is 9999 in the enum: keep bucket objects for ten years then.
  return retention === logs.RetentionDays.INFINITE ? 3650 : retention;
}

/** SNAPSHOT only exists for the database; other stateful resources are kept instead. */
function keepUnlessDestroy(policy: RemovalPolicy | undefined): RemovalPolicy {
  return policy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : DEFAULTS.statefulRemovalPolicy;
}

function validateProps(scope: Construct, props: PanintelligenceDashboardProps): void {
  validate(ownerOf('PanintelligenceDashboard', scope), props, DASHBOARD_RULES);

  if (known(props.volumeSize) && props.volumeSize < DEFAULTS.recommendedMinimumVolumeSize) {
    Annotations.of(scope).addWarningV2('@panintelligence/cdk-dashboard:smallVolume',
      `volumeSize ${props.volumeSize} GiB is below the recommended ${DEFAULTS.recommendedMinimumVolumeSize} GiB: the application and its local logs may fill the disk`);
  }
}

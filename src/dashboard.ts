import { Annotations, CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
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
import { renderDashboardUserData } from './boot';
import { DashboardDatabase, DATABASE_PORT, SCHEMA_NAME } from './database';
import { FileSync } from './file-sync/file-sync';
import { DashboardFileSystem } from './file-system';
import { DashboardFleet } from './fleet';
import { DashboardLoadBalancer } from './load-balancer';
import { createLogBucket, DEFAULT_LOG_RETENTION } from './logging';
import { DashboardAlarmOptions, DashboardMonitoring } from './monitoring';
import { DashboardNetwork } from './network';

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
   * How long a new instance may take to boot and start the dashboard before failed load
   * balancer health checks replace it.
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
   * How long automated database backups are kept, 1 to 35 days.
   *
   * @default Duration.days(7)
   */
  readonly databaseBackupRetention?: Duration;

  /**
   * How often the database password is rotated, 4 hours to 1000 days. After each successful
   * rotation the fleet is refreshed so every instance uses the new password.
   *
   * @default Duration.days(30)
   */
  readonly secretRotation?: Duration;

  /**
   * What happens to the stateful resources (database, file system, uploads bucket) when they
   * leave the stack. `SNAPSHOT` applies to the database; the file system and bucket then keep
   * `RETAIN`.
   *
   * @default - RemovalPolicy.SNAPSHOT for the database and RETAIN for the file system and bucket
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Runtime of the file-sync function.
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
   * Topic that receives alarm, scaling and backup notifications.
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
  /** The database credentials (JSON with `username`, `password`, `host`, `port`, `dbname`). */
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

    const removalPolicy = props.removalPolicy;
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const healthCheckGracePeriod = props.healthCheckGracePeriod ?? Duration.minutes(10);

    const network = new DashboardNetwork(this, 'Network', {
      vpc: props.vpc,
      natGateways: props.natGateways ?? 1,
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
      instanceType: props.databaseInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      allocatedStorage: props.databaseAllocatedStorage ?? 20,
      multiAz: props.databaseMultiAz ?? true,
      backupRetention: props.databaseBackupRetention ?? Duration.days(7),
      secretRotation: props.secretRotation ?? Duration.days(30),
      removalPolicy: removalPolicy ?? RemovalPolicy.SNAPSHOT,
      logRetention,
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
      runtime: props.syncFunctionRuntime,
      concurrency: props.syncConcurrency,
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
      sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.TLS13_RES,
      healthCheckPath: props.healthCheckPath ?? '/pi/version',
      accessLogsEnabled: props.accessLogs ?? false,
    });
    this.loadBalancer = entry.loadBalancer;
    this.httpsListener = entry.httpsListener;
    this.url = `https://${entry.publicHost}/pi/`;
    if (props.accessLogs) {
      new LoadBalancerAccessLogs(this, 'AccessLogs', {
        loadBalancer: this.loadBalancer,
        bucket: props.accessLogsBucket ?? this.logBucket,
        prefix: 'alb',
      });
    }

    const fleet = new DashboardFleet(this, 'Fleet', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      machineImage: props.machineImage,
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3A, ec2.InstanceSize.MEDIUM),
      cpuCredits: props.cpuCredits,
      rootDeviceName: props.rootDeviceName ?? '/dev/sda1',
      volumeType: props.volumeType ?? ec2.EbsDeviceVolumeType.GP3,
      volumeSize: props.volumeSize ?? 15,
      keyPair: props.keyPair,
      minCapacity: props.minCapacity ?? 1,
      maxCapacity: props.maxCapacity ?? 5,
      desiredCapacity: props.desiredCapacity,
      scaleOutCpuPercent: props.scaleOutCpuPercent ?? 70,
      scaleInCpuPercent: props.scaleInCpuPercent ?? 20,
      healthCheckGracePeriod,
      notificationTopic: props.alarmTopic,
      userData: renderDashboardUserData({
        fileSystemId: this.fileSystem.fileSystemId,
        databaseSecretArn: this.databaseSecret.secretArn,
        licenceSecretArn: props.licence?.secretArn,
        publicHost: entry.publicHost,
        schemaName: SCHEMA_NAME,
      }),
    });
    this.autoScalingGroup = fleet.autoScalingGroup;
    // Instances mount the file system at first boot: its mount targets must exist by then.
    this.autoScalingGroup.node.addDependency(this.fileSystem.mountTargetsAvailable);
    this.connections = this.autoScalingGroup.connections;

    this.targetGroup = entry.addFleet(this.autoScalingGroup);

    // Data flows of the architecture, each opened on both security groups.
    this.database.connections.allowFrom(this.autoScalingGroup, ec2.Port.tcp(DATABASE_PORT), 'MariaDB from the dashboard instances');
    this.fileSystem.connections.allowDefaultPortFrom(this.autoScalingGroup, 'NFS from the dashboard instances');
    network.allowSecretsManagerFrom(this.autoScalingGroup);
    network.allowSecretsManagerFrom(database.rotationSecurityGroup);

    this.databaseSecret.grantRead(fleet.role);
    props.licence?.grantRead(fleet.role);
    database.refreshOnRotation(this.autoScalingGroup, healthCheckGracePeriod);

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
    });
    this.cloudWatchDashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;

    this.fileSystemBackup = new FileSystemBackup(this, 'Backup', {
      fileSystem: this.fileSystem,
      retention: props.fileSystemBackupRetention,
      removalPolicy: keepUnlessDestroy(removalPolicy),
      notificationTopic: props.alarmTopic,
    });

    if (props.outputs ?? true) {
      new CfnOutput(this, 'DashboardUrl', { value: this.url, description: 'HTTPS URL of the Panintelligence dashboard' });
      new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancerDnsName, description: 'DNS name of the load balancer' });
      new CfnOutput(this, 'UploadsBucketName', { value: this.bucket.bucketName, description: 'Upload images/, themes/, excel-data/ and svg/ here' });
      new CfnOutput(this, 'DatabaseSecretArn', { value: this.databaseSecret.secretArn, description: 'Secrets Manager secret of the database credentials' });
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
  return policy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

function validateProps(scope: Construct, props: PanintelligenceDashboardProps): void {
  const known = (value: number | undefined): value is number => value !== undefined && !Token.isUnresolved(value);
  const fail = (message: string): never => {
    throw new Error(`PanintelligenceDashboard ${scope.node.path}: ${message}`);
  };
  const integerIn = (name: string, value: number | undefined, min: number, max: number) => {
    if (known(value) && (!Number.isInteger(value) || value < min || value > max)) {
      fail(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  };

  // Scaling thresholds: 0 < in < out < 100.
  const scaleOut = props.scaleOutCpuPercent ?? 70;
  const scaleIn = props.scaleInCpuPercent ?? 20;
  for (const [name, value] of [['scaleOutCpuPercent', scaleOut], ['scaleInCpuPercent', scaleIn]] as const) {
    if (known(value) && !(value > 0 && value < 100)) {
      fail(`${name} must be greater than 0 and less than 100, got ${value}`);
    }
  }
  if (known(scaleOut) && known(scaleIn) && scaleIn >= scaleOut) {
    fail(`scaleInCpuPercent (${scaleIn}) must be less than scaleOutCpuPercent (${scaleOut})`);
  }

  // Capacity: 0 <= min <= desired <= max, max >= 1.
  const min = props.minCapacity ?? 1;
  const max = props.maxCapacity ?? 5;
  integerIn('minCapacity', min, 0, 1000);
  integerIn('maxCapacity', max, 1, 1000);
  if (known(min) && known(max) && min > max) {
    fail(`minCapacity (${min}) must not be greater than maxCapacity (${max})`);
  }
  if (known(props.desiredCapacity)) {
    integerIn('desiredCapacity', props.desiredCapacity, 0, 1000);
    if (known(min) && known(max) && (props.desiredCapacity < min || props.desiredCapacity > max)) {
      fail(`desiredCapacity must be between minCapacity (${min}) and maxCapacity (${max}), got ${props.desiredCapacity}`);
    }
  }

  // Root volume.
  if (props.volumeType !== undefined && props.volumeType !== ec2.EbsDeviceVolumeType.GP3 && props.volumeType !== ec2.EbsDeviceVolumeType.GP2) {
    fail(`volumeType must be GP3 or GP2, got ${props.volumeType}`);
  }
  integerIn('volumeSize', props.volumeSize, 8, 16384);
  if (known(props.volumeSize) && props.volumeSize < 15) {
    Annotations.of(scope).addWarningV2('@panintelligence/cdk-dashboard:smallVolume',
      `volumeSize ${props.volumeSize} GiB is below the recommended 15 GiB: the application and its local logs may fill the disk`);
  }

  // Database.
  integerIn('databaseAllocatedStorage', props.databaseAllocatedStorage, 20, 65536);
  const retention = props.databaseBackupRetention;
  if (retention && !retention.isUnresolved() && (retention.toDays({ integral: false }) < 1 || retention.toDays({ integral: false }) > 35)) {
    fail(`databaseBackupRetention must be from 1 to 35 days, got ${retention.toHumanString()}`);
  }
  const rotation = props.secretRotation;
  if (rotation && !rotation.isUnresolved() && (rotation.toHours({ integral: false }) < 4 || rotation.toDays({ integral: false }) > 1000)) {
    fail(`secretRotation must be from 4 hours to 1000 days, got ${rotation.toHumanString()}`);
  }

  const fsBackup = props.fileSystemBackupRetention;
  if (fsBackup && !fsBackup.isUnresolved() && fsBackup.toDays({ integral: false }) < 1) {
    fail(`fileSystemBackupRetention must be at least 1 day, got ${fsBackup.toHumanString()}`);
  }

  integerIn('syncConcurrency', props.syncConcurrency, 1, 50);

  // Network.
  if (props.vpc && props.natGateways !== undefined) {
    fail('natGateways applies only to the VPC created by this construct; leave it out when vpc is given');
  }
  integerIn('natGateways', props.natGateways, 1, 2);

  // Entry point: a certificate, or a domain in a hosted zone to validate one.
  if (props.hostedZone && !props.domainName) {
    fail('hostedZone needs domainName: the record and certificate are made for that name');
  }
  if (!props.certificate && !(props.domainName && props.hostedZone)) {
    fail('give a certificate, or both domainName and hostedZone so a DNS-validated certificate can be made');
  }
  if (props.domainName && props.hostedZone && !Token.isUnresolved(props.domainName)) {
    const zoneName = zoneNameOf(props.hostedZone);
    const domain = props.domainName.replace(/\.$/, '').toLowerCase();
    if (zoneName && domain !== zoneName && !domain.endsWith(`.${zoneName}`)) {
      fail(`domainName ${props.domainName} is not inside hostedZone ${zoneName}`);
    }
  }
  const path = props.healthCheckPath;
  if (path !== undefined && !Token.isUnresolved(path) && !path.startsWith('/')) {
    fail(`healthCheckPath must start with '/', got '${path}'`);
  }
}

/** The zone's name, lower case without the final dot; undefined when it is a token. */
function zoneNameOf(zone: route53.IHostedZone): string | undefined {
  // A zone imported by id alone throws here with advice to import it with its name.
  const name = zone.zoneName;
  return Token.isUnresolved(name) ? undefined : name.replace(/\.$/, '').toLowerCase();
}

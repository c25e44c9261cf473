import { Annotations, CfnOutput, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { LoadBalancerAccessLogs } from './access-logs';
import { FileSystemBackup } from './backup';
import { FileSync } from './file-sync/file-sync';
import { DashboardMonitoring } from './monitoring';
import { renderDashboardUserData } from './private/boot';
import { DASHBOARD_RULES } from './private/dashboard-rules';
import { DashboardDatabase, SCHEMA_NAME } from './private/database';
import { DEFAULTS } from './private/defaults';
import { encryptWithKey, grantSecretRead } from './private/encryption';
import { DashboardFileSystem } from './private/file-system';
import { associateWebAcl, DashboardFirewall } from './private/firewall';
import { DashboardFleet } from './private/fleet';
import { DashboardLoadBalancer } from './private/load-balancer';
import { adoptHelperFunctionLogs, createLogBucket, logBucketRetention } from './private/logging';
import { windowSpec } from './private/maintenance/maintenance';
import { DashboardNetwork } from './private/network';
import { allowAlarmTopicPublishers, createAlarmTopic } from './private/notifications';
import { PreUpgradeBackup } from './private/pre-upgrade-backup/pre-upgrade-backup';
import { rememberResolvedProps, resolveDashboardProps, ResolvedDashboardProps } from './private/resolved-props';
import { refreshFleetAfterRotation } from './private/rotation-refresh';
import { known, ownerOf, validate } from './private/validation';
import { PanintelligenceDashboardProps } from './props';
import { UpgradeMode } from './upgrade';

/**
 * The Panintelligence BI dashboard on AWS: an internet-facing Application Load Balancer with
 * TLS, an Auto Scaling group of dashboard instances, an RDS MariaDB repository with rotated
 * credentials, an encrypted EFS file system shared by every instance, and an S3 bucket whose
 * uploads are copied onto that file system.
 *
 * The construct is also an `ec2.IConnectable` for the instances, so they can be allowed to
 * reach your data sources: `warehouse.connections.allowDefaultPortFrom(dashboard)`, and an
 * `iam.IGrantable` for their role: `reports.grantRead(dashboard)`.
 */
export class PanintelligenceDashboard extends Construct implements ec2.IConnectable, iam.IGrantable {
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
  /**
   * The bucket that receives the uploads bucket's S3 server access logs (unless
   * `serverAccessLogsBucket` is given) and the load balancer's access logs (when on).
   */
  public readonly logBucket: s3.Bucket;
  /** The firewall's web ACL; undefined without `firewall`. */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** ARN of the web ACL in front of the load balancer (the firewall's, or `webAclArn`); undefined without either. */
  public readonly webAclArn?: string;
  /** The log group of the firewall's blocked and counted requests; undefined without `firewall`. */
  public readonly firewallLogGroup?: logs.ILogGroup;
  /** The HTTPS URL of the dashboard. */
  public readonly url: string;
  /** Network connections of the dashboard instances. */
  public readonly connections: ec2.Connections;
  /**
   * The principal the dashboard application runs as (the instances' role), to grant it access to
   * your data sources: `reports.grantRead(dashboard)`.
   */
  public readonly grantPrincipal: iam.IPrincipal;
  /**
   * The topic every alarm, scaling, backup and failure notification goes to: `alarmTopic`, or
   * else a topic of the construct's own, which nobody hears until you subscribe to it, e.g.
   * `dashboard.alarmTopic.addSubscription(new subscriptions.EmailSubscription('ops@example.com'))`.
   */
  public readonly alarmTopic: sns.ITopic;

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
    const fromProps = resolveDashboardProps(props);
    validateProps(this, fromProps);
    rememberResolvedProps(this, fromProps);
    // Alarms that notify nobody are not watched: without alarmTopic, the construct has its own.
    const alarmTopic = fromProps.alarmTopic ?? createAlarmTopic(this, 'AlarmTopic', fromProps.encryptionKey);
    this.alarmTopic = alarmTopic;
    const resolved: ResolvedDashboardProps = { ...fromProps, alarmTopic };
    const { removal, logRetention } = resolved;

    const network = new DashboardNetwork(this, 'Network', resolved);
    this.vpc = network.vpc;

    const storage = new DashboardFileSystem(this, 'Storage', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      removalPolicy: removal.stateful,
      encryptionKey: resolved.encryptionKey,
    });
    this.fileSystem = storage.fileSystem;

    const database = new DashboardDatabase(this, 'Database', {
      ...resolved,
      vpc: this.vpc,
      vpcSubnets: network.databaseSubnets,
      rotationSubnets: network.fleetSubnets,
      secretsManagerEndpoint: network.secretsManagerEndpoint,
      rotationWindow: windowSpec(resolved.maintenanceWindow),
    });
    this.database = database.instance;
    this.databaseSecret = database.secret;
    if (removal.database === RemovalPolicy.RETAIN) {
      network.keepWithDatabase();
    }

    const { serverAccessLogsBucket } = resolved;
    this.logBucket = createLogBucket(this, 'LogBucket', logBucketRetention(logRetention), removal.stateful, {
      versioned: resolved.bucketVersioning,
      serverAccessLogsBucket,
      serverAccessLogsPrefix: `${Names.uniqueId(this)}/logs/`,
    });

    const fileSync = new FileSync(this, 'FileSync', {
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      fileSystem: this.fileSystem,
      removalPolicy: removal.stateful,
      // In a bucket of the organisation's, under a prefix unique to this construct.
      serverAccessLogsBucket: serverAccessLogsBucket ?? this.logBucket,
      serverAccessLogsPrefix: serverAccessLogsBucket ? undefined : 'uploads/',
      encryptionKey: resolved.encryptionKey,
      runtime: resolved.syncFunctionRuntime,
      concurrency: resolved.syncConcurrency,
      logRetention,
    });
    this.bucket = fileSync.bucket;
    this.syncFunction = fileSync.function;

    const entry = new DashboardLoadBalancer(this, 'LoadBalancer', {
      ...resolved,
      vpc: this.vpc,
      vpcSubnets: network.loadBalancerSubnets,
    });
    this.loadBalancer = entry.loadBalancer;
    this.httpsListener = entry.httpsListener;
    this.url = `https://${entry.publicHost}/pi/`;
    if (resolved.accessLogs) {
      new LoadBalancerAccessLogs(this, 'AccessLogs', {
        loadBalancer: this.loadBalancer,
        bucket: resolved.accessLogsBucket ?? this.logBucket,
        prefix: DEFAULTS.accessLogsPrefix,
      });
    }

    let firewall: DashboardFirewall | undefined;
    if (resolved.firewall) {
      firewall = new DashboardFirewall(this, 'Firewall', { ...resolved.firewall, loadBalancer: this.loadBalancer, logRetention });
      this.webAcl = firewall.webAcl;
      this.webAclArn = firewall.webAcl.attrArn;
      this.firewallLogGroup = firewall.logGroup;
    } else if (resolved.webAclArn !== undefined) {
      associateWebAcl(this, 'WebAclAssociation', this.loadBalancer, resolved.webAclArn);
      this.webAclArn = resolved.webAclArn;
    }

    const fleet = new DashboardFleet(this, 'Fleet', {
      ...resolved,
      vpc: this.vpc,
      vpcSubnets: network.fleetSubnets,
      userData: (signal) => renderDashboardUserData({
        fileSystemId: this.fileSystem.fileSystemId,
        databaseSecretArn: this.databaseSecret.secretArn,
        licenceSecretArn: resolved.licence?.secretArn,
        publicHost: entry.publicHost,
        schemaName: SCHEMA_NAME,
        signal,
        waitForOldVersion: resolved.upgradeMode === UpgradeMode.EXCLUSIVE,
        // A restored database is a new instance: the instances are replaced to connect to it.
        databaseInstanceId: this.database.instanceIdentifier,
      }),
    });
    this.autoScalingGroup = fleet.autoScalingGroup;
    // Instances mount the file system at first boot: its mount targets must exist by then.
    this.autoScalingGroup.node.addDependency(this.fileSystem.mountTargetsAvailable);
    // ...and log in to the database as the app's user, which must exist by then.
    this.autoScalingGroup.node.addDependency(database.appUser);
    this.connections = this.autoScalingGroup.connections;
    this.grantPrincipal = fleet.role;

    this.targetGroup = entry.addFleet(this.autoScalingGroup);

    // Data flows of the architecture, each opened on both security groups.
    this.database.connections.allowFrom(this.autoScalingGroup, ec2.Port.tcp(resolved.databasePort), 'MariaDB from the dashboard instances');
    this.fileSystem.connections.allowDefaultPortFrom(this.autoScalingGroup, 'NFS from the dashboard instances');
    network.allowSecretsManagerFrom(this.autoScalingGroup);

    grantSecretRead(this.databaseSecret, fleet.role);
    resolved.licence?.grantRead(fleet.role);
    // In the database tier's scope, where its parts' logical ids have always been.
    refreshFleetAfterRotation(database, {
      autoScalingGroup: this.autoScalingGroup,
      warmup: resolved.startupTimeout,
      drainTime: resolved.drainTime,
      maintenanceWindow: windowSpec(resolved.maintenanceWindow),
      appSecret: database.secret,
      masterSecret: database.masterSecret,
      alarmTopic,
      logRetention,
      network: network.fleetHasEgress
        ? { vpc: this.vpc, vpcSubnets: network.fleetSubnets, secretsManagerEndpoint: network.secretsManagerEndpoint }
        : undefined,
    });

    this.monitoring = new DashboardMonitoring(this, 'Monitoring', {
      loadBalancer: this.loadBalancer,
      targetGroup: this.targetGroup,
      autoScalingGroup: this.autoScalingGroup,
      database: this.database,
      fileSystem: this.fileSystem,
      syncFunction: this.syncFunction,
      deadLetterQueue: fileSync.deadLetterQueue,
      alarmTopic,
      alarms: resolved.alarms,
      databaseAllocatedStorage: resolved.databaseAllocatedStorage,
      fileSystemThroughputMode: storage.throughputMode,
      firewall: firewall?.metricNames,
    });
    this.cloudWatchDashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;

    this.fileSystemBackup = new FileSystemBackup(this, 'Backup', {
      fileSystem: this.fileSystem,
      retention: resolved.fileSystemBackupRetention,
      removalPolicy: removal.stateful,
      notificationTopic: alarmTopic,
      logRetention,
      encryptionKey: resolved.encryptionKey,
    });

    allowAlarmTopicPublishers(this, alarmTopic);

    // aws-cdk-lib's helper functions (bucket notifications, auto-delete objects) log to groups of
    // this construct too, so they follow logRetention and removalPolicy like the others.
    adoptHelperFunctionLogs(this, logRetention);

    if (resolved.preUpgradeBackup) {
      const preUpgradeBackup = new PreUpgradeBackup(this, 'PreUpgradeBackup', {
        vpc: this.vpc,
        vpcSubnets: network.fleetSubnets,
        vault: this.fileSystemBackup.vault,
        backupRole: this.fileSystemBackup.role,
        database: this.database,
        fileSystem: this.fileSystem,
        imageId: resolved.machineImage.getImage(this).imageId,
        retention: resolved.preUpgradeBackupRetention,
        logRetention,
        alarmTopic,
      });
      // No instance is replaced before the recovery points of a new version are complete.
      this.autoScalingGroup.node.addDependency(preUpgradeBackup.resource);
    }

    if (resolved.encryptionKey) {
      // Every log group and topic made so far, aws-cdk-lib's included, and the key's policy.
      encryptWithKey(this, resolved.encryptionKey);
    }

    if (removal.logs) {
      // Also the log groups that aws-cdk-lib makes beneath this construct.
      for (const child of this.node.findAll()) {
        if (child instanceof logs.CfnLogGroup) {
          child.applyRemovalPolicy(removal.logs);
        }
      }
    }

    if (resolved.outputs) {
      new CfnOutput(this, 'DashboardUrl', { value: this.url, description: 'HTTPS URL of the Panintelligence dashboard' });
      new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancerDnsName, description: 'DNS name of the load balancer' });
      new CfnOutput(this, 'UploadsBucketName', { value: this.bucket.bucketName, description: 'Upload images/, themes/, excel-data/ and svg/ here' });
      new CfnOutput(this, 'DatabaseSecretArn', { value: this.databaseSecret.secretArn, description: 'Secrets Manager secret of the dashboard\'s database user (not the master user)' });
      new CfnOutput(this, 'BackupRestoreRoleArn', { value: this.fileSystemBackup.role.roleArn, description: 'Role to pass to AWS Backup when restoring the file system' });
    }
  }
}

function validateProps(scope: Construct, props: ResolvedDashboardProps): void {
  validate(ownerOf('PanintelligenceDashboard', scope), props, DASHBOARD_RULES);

  if (known(props.volumeSize) && props.volumeSize < DEFAULTS.recommendedMinimumVolumeSize) {
    Annotations.of(scope).addWarningV2('@panintelligence/cdk-dashboard:smallVolume',
      `volumeSize ${props.volumeSize} GiB is below the recommended ${DEFAULTS.recommendedMinimumVolumeSize} GiB: the application and its local logs may fill the disk`);
  }
}

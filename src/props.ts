import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { MaintenanceWindow } from './maintenance-window';
import type { DashboardAlarmOptions } from './monitoring-props';
import type { UpgradeMode } from './upgrade';

/**
 * Properties of a {@link PanintelligenceDashboard}.
 *
 * The dashboard runs on EC2 instances; `machineImage`, `instanceType`, `cpuCredits`,
 * `volumeType`, `volumeSize`, `rootDeviceName` and `keyPair` are that runtime's. Every other prop
 * describes the deployment whatever runs the application (docs/design/fargate-runtime.md).
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
   * The security group of a Secrets Manager interface endpoint that `vpc` already has (with
   * private DNS, so calls to Secrets Manager's regional name reach it). The construct admits its
   * instances and its rotation and provisioning functions to it on 443, and sends their Secrets
   * Manager traffic there only. Without it, in a VPC with such an endpoint, their calls would
   * reach an endpoint whose security group may drop them. Only with a given `vpc`, and not with
   * `secretsManagerEndpoint: true`.
   *
   * @default - none: an endpoint is created (`secretsManagerEndpoint`), or Secrets Manager is
   * reached through the NAT gateway
   */
  readonly secretsManagerEndpointSecurityGroup?: ec2.ISecurityGroup;

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
   * its local logs need room. It must be at least the size of the AMI's root snapshot: EC2 does
   * not launch an instance with a smaller root volume, so the deployment would fail when the
   * instances' signal timeout runs out (the README shows how to read the snapshot's size).
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
   * The startup budget: how long a new instance may take from launch until the dashboard
   * answers on `/pi/version`, 5 to 60 minutes. Everything that waits for a new instance derives
   * from this one value: it is the Auto Scaling group's health check grace period and default
   * instance warm-up, the time stack creation and each step of a rolling update wait for the
   * instance's signal (a step also waits out `drainTime`), the warm-up of the refresh after a
   * secret rotation, and (less a reserve of 90 seconds) the deadline of the boot script's
   * retries, after which the instance signals failure and the deployment rolls back. Raise it
   * for an image or a network that boots slowly; a value too low fails healthy deployments, one
   * too high only delays the rollback of a broken one.
   *
   * @default Duration.minutes(10)
   */
  readonly startupTimeout?: Duration;

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
   * How long an instance that leaves the load balancer (scale-in, instance refresh, rolling
   * update) keeps serving the requests it has before it is stopped: the target group's
   * deregistration delay, 0 to 3600 seconds. Each step of a rolling update waits this much longer
   * for its new instance, and a refresh ends this much later.
   *
   * @default - `idleTimeout` (the longest a report may run before its first byte), at most 1 hour
   */
  readonly drainTime?: Duration;

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
   * How often the app's database secret (`databaseSecret`) is rotated, 7 to 1000 days. The
   * rotation alternates between two database users, so the credentials the running instances
   * hold stay valid until the rotation after next; after each successful rotation the fleet is
   * refreshed, in `maintenanceWindow`, so every instance uses the new credentials (which ends
   * every user's session). Rotations happen in the window only: under 4 weeks, every week;
   * otherwise every 1, 2, 3, 4, 6 or 12 months (the longest not above the period, months counted
   * as 30 days), in the third window of the month.
   *
   * @default Duration.days(30)
   */
  readonly secretRotation?: Duration;

  /**
   * How often the database master secret is rotated (in place, single user), 7 to 1000 days,
   * in `maintenanceWindow` as `secretRotation` is, in the first window of the month and the
   * window's first hour, so the two rotations never meet. Only the rotation functions and the
   * provisioning of the app's user read that secret; the instances never do.
   *
   * @default Duration.days(30)
   */
  readonly masterSecretRotation?: Duration;

  /**
   * The weekly window (UTC) in which both database secrets rotate and the fleet is refreshed
   * after a rotation of the app secret. A refresh replaces every instance, and sessions live in
   * the instances' memory, so it logs every user out: put the window where nobody works. A
   * refresh never starts outside it; the previous credentials stay valid meanwhile.
   *
   * @default - Sunday 02:00 to 06:00 UTC
   */
  readonly maintenanceWindow?: MaintenanceWindow;

  /**
   * What happens to the stateful resources (database, file system, uploads and log buckets,
   * backup vault, log groups) when they leave the stack. `SNAPSHOT` applies to the database, which
   * is then deleted after a final snapshot (so it has no deletion protection); the others keep
   * `RETAIN`. `RETAIN` keeps the database with deletion protection on, and what it still uses.
   * `DESTROY` deletes everything, emptying the buckets and the backup vault first. With each
   * policy the stack's deletion completes; the README lists what each keeps and what that costs.
   *
   * @default - RemovalPolicy.SNAPSHOT for the database and RETAIN for the others
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Runtime of the file-sync function: Node.js 24 or later, because its handler is bundled for
   * Node.js 24 (`nodejs24.x`, or a later `nodejsNN.x`).
   *
   * By default the library's functions follow the app's aws-cdk-lib: an upgrade of aws-cdk-lib to
   * a release that knows a newer Node.js updates them in place to that runtime (no replacement).
   * Give a runtime to pin this function instead.
   *
   * @default - the newest Node.js runtime the app's aws-cdk-lib knows, Node.js 24 at least
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
   * Retention of every log group this construct creates (VPC flow logs, functions, state
   * machines, firewall, and those of aws-cdk-lib's helper functions), and of the objects in its
   * access-log bucket. Accounts whose controls ask for a year of logs set `ONE_YEAR` or more.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Topic that receives alarm, scaling and backup notifications, and a notice of each failed
   * database secret rotation or fleet refresh after a rotation.
   *
   * @default - a topic of the construct's own (`alarmTopic` member), with no subscriber until you add one
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
   * Whether a stack update that changes `machineImage` (a new dashboard version) first backs up
   * the database and the file system with AWS Backup, into the construct's backup vault, and
   * waits for both recovery points before any instance is replaced. A backup job that fails, is
   * aborted or is not done within 45 minutes fails the update, and CloudFormation rolls it back
   * with no instance replaced (and tells `alarmTopic`). Nothing is backed up when the stack is
   * created or deleted, when an update leaves the image as it was (a new instance type, say), or
   * while CloudFormation rolls an update back.
   *
   * @default true
   */
  readonly preUpgradeBackup?: boolean;

  /**
   * How long the recovery points of a pre-upgrade backup are kept: a whole number of days,
   * 1 to 36500. Each point is tagged with the stack and the previous and new image ids.
   *
   * @default Duration.days(35)
   */
  readonly preUpgradeBackupRetention?: Duration;

  /**
   * How a new `machineImage` (or any other change of the launch template) replaces the
   * instances: `ROLLING`, one at a time with no downtime while the old and new versions run side
   * by side for a few minutes, or `EXCLUSIVE`, all at once, each new instance starting the
   * dashboard only when no instance of the old version is left, at the cost of a few minutes of
   * downtime. Both roll back when a new instance does not report a healthy dashboard.
   *
   * @default UpgradeMode.ROLLING
   */
  readonly upgradeMode?: UpgradeMode;

  /**
   * An RDS DB snapshot to create the database from: its ARN or its name, for example the
   * recovery point of a pre-upgrade backup (`arn:aws:rds:<region>:<account>:snapshot:awsbackup:job-…`).
   * Setting it, or changing it, replaces the database instance with one restored from the
   * snapshot, with the master password of the current master secret; the app's database user
   * is then brought in line with the app secret again, and the instances are replaced so they
   * connect to the restored database. Once set, keep it in every later deployment: leaving it
   * out again makes CloudFormation replace the database with an empty one.
   *
   * @default - a new, empty database
   */
  readonly databaseSnapshotIdentifier?: string;

  /**
   * One customer managed KMS key (symmetric) for everything this construct creates that takes
   * one: every log group (the functions', the flow logs', the state machines' and the
   * firewall's), the uploads bucket, the dead-letter queue, any SNS topic, the file system, the
   * database's storage, both database secrets, the instances' root volumes and the backup vault.
   * The log bucket keeps SSE-S3, the only encryption S3 server access logs and load balancer
   * access logs can be delivered to.
   *
   * A `kms.Key` of this app gets the statements the services need in its policy (CloudWatch Logs
   * for this account's log groups in this region; CloudWatch alarms, EventBridge and AWS Backup
   * publishing to an encrypted topic; Auto Scaling's service-linked role for the encrypted root
   * volumes). An imported key cannot be changed here: synth warns with the statements its policy
   * needs (the README lists them). Those who upload to the bucket need `kms:GenerateDataKey` on it.
   *
   * @default - AWS owned and AWS managed keys (no key cost)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Whether the load balancer has deletion protection. Off by default because a protected load
   * balancer makes the deletion of the stack fail half-way (DELETE_FAILED), with the rest of the
   * stack already gone; turn it off again in a deployment before deleting the stack.
   *
   * @default false
   */
  readonly loadBalancerDeletionProtection?: boolean;

  /**
   * Whether the instances send their EC2 metrics every minute (detailed monitoring) instead of
   * every five. Billed as 7 custom metrics per instance.
   *
   * @default false
   */
  readonly detailedMonitoring?: boolean;

  /**
   * Interval of the database's Enhanced Monitoring (operating system metrics, with a role that
   * lets RDS write them to the `RDSOSMetrics` log group): 1, 5, 10, 15, 30 or 60 seconds.
   * Billed as CloudWatch Logs ingestion, more the shorter the interval.
   *
   * @default - no Enhanced Monitoring
   */
  readonly databaseMonitoringInterval?: Duration;

  /**
   * Port the database listens on, 1150 to 65535 (what RDS allows for MariaDB). The dashboard,
   * the rotation functions and the provisioning of the app's user read it from the secret; the
   * security groups open this port only.
   *
   * @default 3306
   */
  readonly databasePort?: number;

  /**
   * More instance types for the Auto Scaling group, tried in order after `instanceType` when it
   * has no capacity (a mixed instances policy, all On-Demand). x86_64 only, like the AMI; with
   * `cpuCredits`, burstable (T) types only. At most 39.
   *
   * @default - `instanceType` only
   */
  readonly additionalInstanceTypes?: ec2.InstanceType[];

  /**
   * Bucket that receives the S3 server access logs of the buckets this construct creates: the
   * uploads bucket and the log bucket. It must be in the same account and region, use SSE-S3,
   * and let `logging.s3.amazonaws.com` put objects (a bucket of this stack gets that statement).
   *
   * @default - the uploads bucket logs to the log bucket of this construct; the log bucket logs
   * nowhere (it would log to itself)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Whether the log bucket is versioned (the uploads bucket always is). Off by default: log
   * objects are written once and never overwritten, so versions would only keep what the
   * bucket's own expiry deletes. When on, a noncurrent version is deleted a day after it
   * becomes one, so the expiry still frees the space.
   *
   * @default false
   */
  readonly bucketVersioning?: boolean;

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
   * A web application firewall in front of the load balancer: an AWS WAF web ACL with AWS
   * managed rule groups (IP reputation, core rule set, known bad inputs, Linux) and per-client
   * rate limits on login attempts and on all requests, logging blocked and counted requests to an
   * `aws-waf-logs-` log group, with widgets on the CloudWatch dashboard. The README's Security
   * section lists the rules and how to tune them. Not with `webAclArn`.
   *
   * @default - no firewall
   */
  readonly firewall?: DashboardFirewallOptions;

  /**
   * ARN of an existing regional AWS WAF web ACL to associate with the load balancer, for
   * organisations that manage their web ACLs centrally (AWS Firewall Manager). Its rules,
   * logging and metrics stay its owner's. Not with `firewall`.
   *
   * @default - no web ACL (unless `firewall` creates one)
   */
  readonly webAclArn?: string;

  /**
   * Subnets of the load balancer.
   *
   * @default - the public subnets
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;

  /**
   * Subnets of the instances, the file system's mount targets and the functions. They need a way
   * out (a NAT gateway or a proxy), or endpoints for everything the instances and functions call:
   * isolated subnets are accepted with a warning that lists those (see the README's "Networks
   * without a NAT gateway").
   *
   * @default - the private subnets with egress; a `vpc` without any is refused unless this is given
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
 * The web application firewall in front of the dashboard's load balancer: an AWS WAF web ACL
 * (regional) with AWS managed rule groups and per-client rate limits. The README's Security
 * section lists its rules in order, the rules it counts instead of blocking and why, and how to
 * find and tune a rule that blocks a legitimate request.
 *
 * Rate limits count the requests of one client IP address, as the load balancer sees it, within
 * `rateLimitWindow`; a client over a limit gets `429 Too Many Requests` until its rate falls
 * below it.
 */
export interface DashboardFirewallOptions {
  /**
   * Whether to create the firewall. Giving `firewall` turns it on; `enabled: false` leaves it
   * off, for a switch kept in your own configuration.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Login attempts (POST requests to `loginPaths`) one client IP address may make in
   * `rateLimitWindow`, 10 to 2,000,000,000. An application that embeds dashboards and fetches a
   * token for each visitor from its own server counts against this limit from that server's
   * address: raise it to the busiest window's number of new embedded sessions.
   *
   * @default 100
   */
  readonly loginRateLimit?: number;

  /**
   * Requests of any kind one client IP address may send in `rateLimitWindow`, 10 to
   * 2,000,000,000. Everyone behind one office's NAT shares an address, and one dashboard page
   * asks for every chart on it, so the limit is generous: it stops floods, not busy offices.
   *
   * @default 10000
   */
  readonly siteRateLimit?: number;

  /**
   * The window both rate limits count in: 1, 2, 5 or 10 minutes (what AWS WAF offers).
   *
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;

  /**
   * Path prefixes whose POST requests are login attempts, compared case-insensitively after URL
   * decoding and path normalisation. The dashboard authenticates under `/pi/auth/`, and its API
   * exchanges a user name and password for a token at `/pi/api/v2/tokens`. Panintelligence does
   * not publish the exact path of the sign-in form, so the default covers the whole
   * authentication path; if your version signs in elsewhere (the browser's network tab shows the
   * POST), give its path here. Each starts with `/` and has at most 200 characters; at most 5.
   *
   * @default ['/pi/auth/', '/pi/api/v2/tokens']
   */
  readonly loginPaths?: string[];

  /**
   * More AWS managed rules to count instead of block, each as `<rule group>:<rule>`, for
   * example `'AWSManagedRulesCommonRuleSet:SizeRestrictions_QUERYSTRING'`: for a rule that blocks
   * a legitimate request of your users. The rule group is one of the firewall's
   * (`AWSManagedRulesAmazonIpReputationList`, `AWSManagedRulesCommonRuleSet`,
   * `AWSManagedRulesKnownBadInputsRuleSet`, `AWSManagedRulesLinuxRuleSet`); both names are in
   * the firewall's log record of the blocked request (the README shows the query).
   *
   * @default - only the firewall's own exclusions, listed in the README
   */
  readonly countedRules?: string[];
}

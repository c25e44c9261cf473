import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { WeekDay } from '../maintenance-window';
import type { PanintelligenceDashboardProps } from '../props';
import { UpgradeMode } from '../upgrade';
import { newestNodeRuntime } from './runtime';
import { DEFAULT_RESYNC_CONCURRENCY } from './shared/defaults';

/** The runtime of the library's functions: see `newestNodeRuntime` for why it follows aws-cdk-lib. */
const HANDLER_RUNTIME = newestNodeRuntime();

/**
 * The default of each prop of `PanintelligenceDashboardProps` that has a value as its default,
 * under the prop's own name: `resolveDashboardProps` applies them all, so the tiers, the rules
 * and the cost estimate never write `?? default` themselves. The TSDoc `@default` of each prop
 * states the same value for readers of the API (test/defaults.test.ts holds them together).
 */
export const DASHBOARD_DEFAULTS = {
  natGateways: 1,
  sslPolicy: elbv2.SslPolicy.TLS13_RES,
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3A, ec2.InstanceSize.MEDIUM),
  volumeType: ec2.EbsDeviceVolumeType.GP3,
  volumeSize: 15,
  rootDeviceName: '/dev/sda1',
  minCapacity: 1,
  maxCapacity: 5,
  scaleOutCpuPercent: 70,
  scaleInCpuPercent: 20,
  startupTimeout: Duration.minutes(10),
  healthCheckPath: '/pi/version',
  idleTimeout: Duration.minutes(10),
  databaseInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
  databaseAllocatedStorage: 20,
  databaseMultiAz: true,
  databaseBackupRetention: Duration.days(7),
  /** Off: the dashboard's own connection may not use TLS; the library's functions always do. */
  databaseRequireTls: false,
  secretRotation: Duration.days(30),
  masterSecretRotation: Duration.days(30),
  syncConcurrency: DEFAULT_RESYNC_CONCURRENCY,
  /** A quarter of incident look-back, with CloudWatch Logs storage bounded (never expiring grows the bill forever). */
  logRetention: logs.RetentionDays.THREE_MONTHS,
  fileSystemBackupRetention: Duration.days(35),
  accessLogs: false,
  outputs: true,
  preUpgradeBackup: true,
  preUpgradeBackupRetention: Duration.days(35),
  upgradeMode: UpgradeMode.ROLLING,
  /** Off: a protected load balancer fails the stack's deletion half-way. */
  loadBalancerDeletionProtection: false,
  detailedMonitoring: false,
  /** MariaDB's own port, what the dashboard expected before the secret carried one. */
  databasePort: 3306,
  bucketVersioning: false,
} as const satisfies { readonly [P in keyof PanintelligenceDashboardProps]?: NonNullable<PanintelligenceDashboardProps[P]> };

/**
 * The one place where the defaults of `PanintelligenceDashboardProps` and of the public helper
 * constructs are written: the dashboard's props (above), and what the library decides without
 * a prop. The constructs, their validation and the cost estimate read them from here.
 */
export const DEFAULTS = {
  ...DASHBOARD_DEFAULTS,
  availabilityZones: 2,
  recommendedMinimumVolumeSize: 15,
  /**
   * Sunday 02:00 to 06:00 UTC: night in Europe, Saturday evening in the Americas, when a
   * business dashboard is least used.
   */
  maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 2, duration: Duration.hours(4) },
  /** The window's length when a window is given without one. */
  maintenanceWindowDuration: Duration.hours(4),
  /** The longest deregistration delay a target group takes; the default drain time stops here. */
  maxDrainTime: Duration.hours(1),
  /** The database's policy when `removalPolicy` is not given; the other stateful resources are retained. */
  databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
  statefulRemovalPolicy: RemovalPolicy.RETAIN,
  /**
   * The runtime of the library's functions, the sync function's by default: the newest Node.js
   * runtime aws-cdk-lib knows, at least the bundles' target (see `newestNodeRuntime`).
   */
  handlerRuntime: HANDLER_RUNTIME,
  /** 05:00 UTC: a quiet hour in both Europe and the Americas. */
  fileSystemBackupSchedule: events.Schedule.cron({ minute: '0', hour: '5' }),
  /** Log groups outlive the stack for an investigation; their retention still expires them. */
  logRemovalPolicy: RemovalPolicy.RETAIN,
  accessLogsPrefix: 'alb',
  /** Retention of the load balancer log bucket that `LoadBalancerAccessLogs` creates itself. */
  accessLogsRetention: Duration.days(90),
  /** Giving `firewall` turns it on. */
  firewallEnabled: true,
  /** About 20 attempts a minute from one address: a person never needs more, a password guesser gets few. */
  firewallLoginRateLimit: 100,
  /** About 33 requests a second from one address for 5 minutes: a flood, not an office behind one NAT. */
  firewallSiteRateLimit: 10_000,
  /** AWS WAF's own default window. */
  firewallRateLimitWindow: Duration.minutes(5),
  /** The dashboard's authentication path and its API's token endpoint. */
  firewallLoginPaths: ['/pi/auth/', '/pi/api/v2/tokens'],
  /** The Enhanced Monitoring intervals RDS accepts, in seconds. */
  databaseMonitoringIntervals: [1, 5, 10, 15, 30, 60],
  /** The ports RDS for MariaDB accepts. */
  databasePortRange: { min: 1150, max: 65535 },
  /** A mixed instances policy takes at most 40 instance types, `instanceType` being one. */
  maxAdditionalInstanceTypes: 39,
  /** How long the log bucket keeps a version after it becomes noncurrent, when versioned. */
  logBucketNoncurrentVersionRetention: Duration.days(1),
} as const;

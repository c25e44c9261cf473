import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_RESYNC_CONCURRENCY } from '../file-sync/keys';

/**
 * The one place where the defaults of `PanintelligenceDashboardProps` and of the public helper
 * constructs are written. The constructs, their validation and the cost estimate read them from here; the TSDoc `@default` of each prop
 * states the same value for readers of the API.
 */
export const DEFAULTS = {
  natGateways: 1,
  availabilityZones: 2,
  sslPolicy: elbv2.SslPolicy.TLS13_RES,
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3A, ec2.InstanceSize.MEDIUM),
  volumeType: ec2.EbsDeviceVolumeType.GP3,
  volumeSize: 15,
  recommendedMinimumVolumeSize: 15,
  rootDeviceName: '/dev/sda1',
  minCapacity: 1,
  maxCapacity: 5,
  scaleOutCpuPercent: 70,
  scaleInCpuPercent: 20,
  healthCheckGracePeriod: Duration.minutes(10),
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
  /** The database's policy when `removalPolicy` is not given; the other stateful resources are retained. */
  databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
  statefulRemovalPolicy: RemovalPolicy.RETAIN,
  syncFunctionRuntime: lambda.Runtime.NODEJS_24_X,
  /** The runtime of the library's other functions, which are bundled for Node.js 24 like the sync handler. */
  handlerRuntime: lambda.Runtime.NODEJS_24_X,
  syncConcurrency: DEFAULT_RESYNC_CONCURRENCY,
  /** A quarter of incident look-back, with CloudWatch Logs storage bounded (never expiring grows the bill forever). */
  logRetention: logs.RetentionDays.THREE_MONTHS,
  fileSystemBackupRetention: Duration.days(35),
  /** 05:00 UTC: a quiet hour in both Europe and the Americas. */
  fileSystemBackupSchedule: events.Schedule.cron({ minute: '0', hour: '5' }),
  /** Log groups outlive the stack for an investigation; their retention still expires them. */
  logRemovalPolicy: RemovalPolicy.RETAIN,
  accessLogsPrefix: 'alb',
  /** Retention of the load balancer log bucket that `LoadBalancerAccessLogs` creates itself. */
  accessLogsRetention: Duration.days(90),
  accessLogs: false,
  outputs: true,
} as const;

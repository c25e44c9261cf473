import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The one place where the defaults of `PanintelligenceDashboardProps` are written. The construct,
 * its validation and the cost estimate read them from here; the TSDoc `@default` of each prop
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
  secretRotation: Duration.days(30),
  /** The database's policy when `removalPolicy` is not given; the other stateful resources are retained. */
  databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
  statefulRemovalPolicy: RemovalPolicy.RETAIN,
  syncFunctionRuntime: lambda.Runtime.NODEJS_24_X,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  fileSystemBackupRetention: Duration.days(35),
  accessLogs: false,
  outputs: true,
} as const;

import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { PanintelligenceDashboard } from './dashboard';
import { DashboardMonitoring } from './monitoring';
import { DEFAULTS } from './private/defaults';
import { FIREWALL_RULE_COUNT } from './private/firewall';
import { BURSTABLE, HOURS_PER_MONTH, PRICES, PRICES_AS_OF, REGIONS, RegionPrices, unitPrice as usd } from './private/prices';
import { resolvedPropsOf } from './private/resolved-props';
import { ValidationError } from './private/validation';
import type { DashboardFirewallOptions } from './props';

/** The fleet's CPU step scaling uses one alarm to scale out and one to scale in. */
const SCALING_ALARM_COUNT = 2;

/** Where the estimate's usage assumptions come from when not given. */
const USAGE = {
  region: 'us-east-1',
  cpuCredits: ec2.CpuCredits.UNLIMITED,
  averageCpuUtilization: 30,
  fileSystemStorage: 5,
  loadBalancerCapacityUnits: 1,
  natDataProcessed: 5,
  logIngestion: 2,
  secrets: 3,
  firewallRequests: 1,
  kmsRequests: 100,
} as const;

/** EC2 detailed monitoring sends 7 metrics of each instance every minute, billed as custom metrics. */
const DETAILED_MONITORING_METRICS = 7;

/**
 * An Enhanced Monitoring sample of an RDS instance (its RDSOSMetrics log event: the operating
 * system's metrics and process list) is about 10 KB; RDS bills it as CloudWatch Logs ingestion.
 */
const ENHANCED_MONITORING_SAMPLE_KB = 10;

/** Days of logs a never-expiring log group is priced with: ten years of them. */
const INFINITE_RETENTION_DAYS = 3650;

/** What `CostEstimate.ofHighAvailability` changes from the defaults. */
const HIGH_AVAILABILITY = { natGateways: 2, minCapacity: 2, databaseMultiAz: true } as const;

/**
 * Usage assumptions of a cost estimate: what a template cannot say (how busy the dashboard is,
 * how much data it keeps), and the region when the stack has none.
 */
export interface CostUsageOptions {
  /**
   * Region whose prices apply: one of `CostEstimate.REGIONS` (`us-east-1`, `eu-west-1`, `eu-west-2`).
   *
   * @default - `CostEstimate.monthly`: 'us-east-1'; `CostEstimate.ofDashboard`: the region of the
   * dashboard's stack (required when the stack has no concrete region)
   */
  readonly region?: string;

  /**
   * Assumed average CPU utilisation of each instance, in percent. In unlimited mode the part
   * above the instance type's baseline is billed as surplus CPU credits.
   *
   * @default 30
   */
  readonly averageCpuUtilization?: number;

  /**
   * Assumed data on the file system (EFS Standard), in GiB.
   *
   * @default 5
   */
  readonly fileSystemStorage?: number;

  /**
   * Assumed size of the file system's recovery points in the backup vault, in GiB. Daily
   * backups are incremental, so with little churn they stay close to the data size.
   *
   * @default - the same as `fileSystemStorage`
   */
  readonly backupStorage?: number;

  /**
   * Assumed average load balancer capacity units (LCU). A lightly used dashboard stays below one.
   *
   * @default 1
   */
  readonly loadBalancerCapacityUnits?: number;

  /**
   * Assumed data processed by the NAT gateways each month, in GiB (operating system updates,
   * licence checks; S3 traffic uses the free gateway endpoint).
   *
   * @default 5
   */
  readonly natDataProcessed?: number;

  /**
   * Assumed CloudWatch Logs ingestion each month, in GiB (VPC flow logs, function logs, the
   * database's error and slow-query logs, and the firewall's log of blocked and counted requests).
   *
   * @default 2
   */
  readonly logIngestion?: number;

  /**
   * Assumed requests the firewall inspects each month, in millions (every request to the load
   * balancer, blocked ones included). Priced only with the firewall.
   *
   * @default 1
   */
  readonly firewallRequests?: number;

  /**
   * Assumed requests to the customer managed KMS key each month, in thousands (Secrets Manager
   * reads, data keys of CloudWatch Logs, SQS and S3, volume attachments). Priced only with a key.
   *
   * @default 100
   */
  readonly kmsRequests?: number;
}

/**
 * A configuration to price. Property names match `PanintelligenceDashboardProps` where the
 * two overlap, and the defaults are the construct's; the rest are usage assumptions.
 */
export interface CostEstimateConfig extends CostUsageOptions {
  /**
   * Availability Zones of the VPC: the load balancer has a public IPv4 address in each, and the
   * Secrets Manager endpoint a network interface in each.
   *
   * @default 2
   */
  readonly availabilityZones?: number;

  /**
   * NAT gateways. One per Availability Zone survives the loss of a zone; one is cheaper.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * Whether the VPC has a Secrets Manager interface endpoint. Without it, secret reads go
   * through the NAT gateway.
   *
   * @default true
   */
  readonly secretsManagerEndpoint?: boolean;

  /**
   * Instance type of the dashboard instances.
   *
   * @default t3a.medium
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Number of dashboard instances priced, running all month (the fleet at its minimum size).
   *
   * @default 1
   */
  readonly minCapacity?: number;

  /**
   * CPU credit option of burstable instances. `STANDARD` never costs more than the hourly
   * price but throttles to the baseline when credits run out.
   *
   * @default ec2.CpuCredits.UNLIMITED (the default of T3 and T3a instances)
   */
  readonly cpuCredits?: ec2.CpuCredits;

  /**
   * Root volume type: `GP3` or `GP2`.
   *
   * @default ec2.EbsDeviceVolumeType.GP3
   */
  readonly volumeType?: ec2.EbsDeviceVolumeType;

  /**
   * Root volume size in GiB.
   *
   * @default 15
   */
  readonly volumeSize?: number;

  /**
   * Instance class of the database, with or without the `db.` prefix.
   *
   * @default t3.micro
   */
  readonly databaseInstanceType?: ec2.InstanceType;

  /**
   * Whether the database has a standby in a second zone (twice the instance and storage price).
   *
   * @default true
   */
  readonly databaseMultiAz?: boolean;

  /**
   * Database storage in GiB (General Purpose SSD).
   *
   * @default 20
   */
  readonly databaseAllocatedStorage?: number;

  /**
   * Secrets Manager secrets: the database's master and app credentials, and the licence.
   *
   * @default 3
   */
  readonly secrets?: number;

  /**
   * CloudWatch alarms: those of the monitoring plus the two that drive CPU step scaling.
   *
   * @default 11 (DashboardMonitoring.DEFAULT_ALARM_COUNT + 2)
   */
  readonly alarms?: number;

  /**
   * The web application firewall: when on, its web ACL, its rules (a managed rule group is
   * billed as one rule) and its requests are priced. A web ACL of your own (`webAclArn`) is
   * billed to its owner and not priced.
   *
   * @default - no firewall
   */
  readonly firewall?: DashboardFirewallOptions;

  /**
   * Customer managed KMS keys priced: 1 with the dashboard's `encryptionKey` (a key shared with
   * other workloads is billed once for all of them).
   *
   * @default 0
   */
  readonly customerManagedKeys?: number;

  /**
   * How long the logs are kept: CloudWatch Logs storage holds the logs ingested in that time
   * (`INFINITE` is priced as ten years of them).
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether the instances have EC2 detailed monitoring (7 metrics each, every minute).
   *
   * @default false
   */
  readonly detailedMonitoring?: boolean;

  /**
   * Interval of the database's Enhanced Monitoring, billed as CloudWatch Logs ingestion of one
   * sample of about 10 KB per interval (of the primary instance).
   *
   * @default - no Enhanced Monitoring
   */
  readonly databaseMonitoringInterval?: Duration;
}

/**
 * One line of a cost estimate.
 */
export interface CostItem {
  /** What is paid for, e.g. `NAT gateways`. */
  readonly name: string;

  /** How the amount was computed, with the quantities and unit prices used. */
  readonly calculation: string;

  /** Monthly cost in US dollars, rounded half up to the cent. */
  readonly monthlyUsd: number;
}

/**
 * A monthly cost estimate.
 */
export interface CostBreakdown {
  /** The region whose prices were used. */
  readonly region: string;

  /** Always `USD`. */
  readonly currency: string;

  /** Hours in a billing month (730). */
  readonly hoursPerMonth: number;

  /** The lines of the estimate, always the same names in the same order (zero when unused). */
  readonly items: CostItem[];

  /** Sum of the rounded lines, in US dollars. */
  readonly totalUsd: number;

  /** Usage assumptions behind the figures. */
  readonly assumptions: string[];

  /** What the estimate leaves out. */
  readonly excluded: string[];
}

/**
 * Monthly on-demand cost estimate of a dashboard stack, from a documented price table.
 *
 * The figures are list prices (see `REGIONS`) times 730 hours, with the usage assumptions stated
 * in each breakdown. They leave out data transfer and request charges; use them to compare
 * configurations, not as a quote. Every method takes plain values or the dashboard itself, so
 * it works the same from every jsii language.
 *
 * @example
 * import { CostEstimate, PanintelligenceDashboard } from '@panintelligence/cdk-dashboard';
 *
 * // A configuration, from the construct's defaults and the values given:
 * const perMonth = CostEstimate.monthly({ region: 'eu-west-1', natGateways: 2, minCapacity: 2 }).totalUsd;
 *
 * // A dashboard as built, in its stack's region:
 * declare const dashboard: PanintelligenceDashboard;
 * const breakdown = CostEstimate.ofDashboard(dashboard, { averageCpuUtilization: 40 });
 */
export class CostEstimate {
  /** Hours in a billing month, as AWS prices monthly figures. */
  public static readonly HOURS_PER_MONTH = HOURS_PER_MONTH;

  /** Regions in the price table. */
  public static readonly REGIONS: string[] = [...REGIONS];

  /** When the price table was taken from the AWS pricing pages. */
  public static readonly PRICES_AS_OF = PRICES_AS_OF;

  /**
   * Estimates the monthly cost of a configuration.
   *
   * @param config the configuration; every property left out takes the construct's default
   * @throws if the region, an instance type or the volume type is not in the price table (the
   * message lists what is), or a number is out of range
   */
  public static monthly(config: CostEstimateConfig = {}): CostBreakdown {
    return estimate(config);
  }

  /**
   * Estimates the monthly cost of a dashboard as it was built: its props and their defaults,
   * the Availability Zones of its VPC, its alarms, and whether it has a licence secret. A VPC
   * passed in through `vpc` is not priced (its NAT gateways and endpoints are not the
   * dashboard's), except for the Secrets Manager endpoint when `secretsManagerEndpoint: true`
   * makes the construct add one.
   *
   * @param dashboard the dashboard to price
   * @param usage usage assumptions, and the region when the dashboard's stack has none
   * @throws if the stack has no concrete region and `usage.region` is not given, or a value is not priced
   */
  public static ofDashboard(dashboard: PanintelligenceDashboard, usage: CostUsageOptions = {}): CostBreakdown {
    const props = resolvedPropsOf(dashboard);
    if (!props) {
      throw new ValidationError('CostEstimate.ofDashboard', ['expected a PanintelligenceDashboard']);
    }
    const stackRegion = Stack.of(dashboard).region;
    const region = usage.region ?? (Token.isUnresolved(stackRegion) ? undefined : stackRegion);
    if (region === undefined) {
      throw new ValidationError('CostEstimate.ofDashboard', [`the stack of ${dashboard.node.path} has no concrete region; `
        + `give region (one of ${REGIONS.join(', ')})`]);
    }
    return estimate({
      ...usage,
      region,
      availabilityZones: dashboard.vpc.availabilityZones.length,
      // The NAT gateways of a given VPC are not the dashboard's.
      natGateways: props.vpc === undefined ? props.natGateways : 0,
      secretsManagerEndpoint: props.secretsManagerEndpoint,
      instanceType: props.instanceType,
      minCapacity: props.minCapacity,
      cpuCredits: props.cpuCredits,
      volumeType: props.volumeType,
      volumeSize: props.volumeSize,
      databaseInstanceType: props.databaseInstanceType,
      databaseMultiAz: props.databaseMultiAz,
      databaseAllocatedStorage: props.databaseAllocatedStorage,
      secrets: props.licence ? 3 : 2,
      alarms: dashboard.alarms.length + SCALING_ALARM_COUNT,
      // The firewall's resolved settings when it is on; a web ACL of the customer's own is theirs.
      firewall: props.firewall,
      customerManagedKeys: props.encryptionKey ? 1 : 0,
      logRetention: props.logRetention,
      detailedMonitoring: props.detailedMonitoring,
      databaseMonitoringInterval: props.databaseMonitoringInterval,
    });
  }

  /**
   * The monthly cost of `PanintelligenceDashboard` with its defaults (and a licence secret).
   *
   * @param region one of `REGIONS`
   */
  public static ofDefaults(region: string): CostBreakdown {
    return estimate({ region });
  }

  /**
   * The monthly cost of a highly available configuration: a NAT gateway in each of the 2
   * Availability Zones, two instances at all times (one per zone) and a Multi-AZ database.
   *
   * @param region one of `REGIONS`
   */
  public static ofHighAvailability(region: string): CostBreakdown {
    return estimate({ region, ...HIGH_AVAILABILITY });
  }

  /**
   * The instance types priced for the dashboard instances in a region.
   *
   * @param region one of `REGIONS`
   */
  public static pricedInstanceTypes(region: string): string[] {
    return Object.keys(pricesOf(region).ec2);
  }

  /**
   * The database instance classes priced in a region (without the `db.` prefix).
   *
   * @param region one of `REGIONS`
   */
  public static pricedDatabaseInstanceTypes(region: string): string[] {
    return Object.keys(pricesOf(region).rds);
  }

  private constructor() {}
}

function pricesOf(region: string): RegionPrices {
  if (!Object.hasOwn(PRICES, region)) {
    throw new ValidationError('CostEstimate', [`region "${region}" is not priced; priced regions: ${REGIONS.join(', ')}`]);
  }
  return PRICES[region];
}

interface ResolvedConfig {
  readonly region: string;
  readonly prices: RegionPrices;
  readonly availabilityZones: number;
  readonly natGateways: number;
  readonly secretsManagerEndpoint: boolean;
  readonly instanceType: string;
  readonly minCapacity: number;
  readonly cpuCredits: ec2.CpuCredits;
  readonly averageCpuUtilization: number;
  readonly volumeType: ec2.EbsDeviceVolumeType;
  readonly volumeSize: number;
  readonly databaseInstanceType: string;
  readonly databaseMultiAz: boolean;
  readonly databaseAllocatedStorage: number;
  readonly fileSystemStorage: number;
  readonly backupStorage: number;
  readonly loadBalancerCapacityUnits: number;
  readonly natDataProcessed: number;
  readonly logIngestion: number;
  readonly secrets: number;
  readonly alarms: number;
  readonly firewall: boolean;
  readonly firewallRequests: number;
  readonly customerManagedKeys: number;
  readonly kmsRequests: number;
  readonly logRetentionDays: number;
  readonly detailedMonitoring: boolean;
  /** Seconds between Enhanced Monitoring samples; undefined without it. */
  readonly databaseMonitoringSeconds?: number;
}

function resolve(config: CostEstimateConfig): ResolvedConfig {
  const region = config.region ?? USAGE.region;
  const prices = pricesOf(region);
  const instanceType = (config.instanceType ?? DEFAULTS.instanceType).toString();
  if (!Object.hasOwn(prices.ec2, instanceType)) {
    throw new ValidationError('CostEstimate', [`instanceType "${instanceType}" is not in the price table for ${region}; priced: ${Object.keys(prices.ec2).join(', ')}`]);
  }
  const databaseInstanceType = (config.databaseInstanceType ?? DEFAULTS.databaseInstanceType).toString().replace(/^db\./, '');
  if (!Object.hasOwn(prices.rds, databaseInstanceType)) {
    throw new ValidationError('CostEstimate', [`databaseInstanceType "${databaseInstanceType}" is not in the price table for ${region}; priced: ${Object.keys(prices.rds).join(', ')}`]);
  }
  const volumeType = config.volumeType ?? DEFAULTS.volumeType;
  if (volumeType !== ec2.EbsDeviceVolumeType.GP3 && volumeType !== ec2.EbsDeviceVolumeType.GP2) {
    throw new ValidationError('CostEstimate', [`volumeType must be gp2 or gp3 (got "${volumeType}")`]);
  }
  const cpuCredits = config.cpuCredits ?? USAGE.cpuCredits;
  if (cpuCredits !== ec2.CpuCredits.UNLIMITED && cpuCredits !== ec2.CpuCredits.STANDARD) {
    throw new ValidationError('CostEstimate', [`cpuCredits must be standard or unlimited (got "${cpuCredits}")`]);
  }
  const fileSystemStorage = amount('fileSystemStorage', config.fileSystemStorage, USAGE.fileSystemStorage);
  return {
    region,
    prices,
    availabilityZones: count('availabilityZones', config.availabilityZones, DEFAULTS.availabilityZones, 1),
    natGateways: count('natGateways', config.natGateways, DEFAULTS.natGateways, 0),
    secretsManagerEndpoint: config.secretsManagerEndpoint ?? true,
    instanceType,
    minCapacity: count('minCapacity', config.minCapacity, DEFAULTS.minCapacity, 0),
    cpuCredits,
    averageCpuUtilization: amount('averageCpuUtilization', config.averageCpuUtilization, USAGE.averageCpuUtilization, 100),
    volumeType,
    volumeSize: positive('volumeSize', config.volumeSize, DEFAULTS.volumeSize),
    databaseInstanceType,
    databaseMultiAz: config.databaseMultiAz ?? DEFAULTS.databaseMultiAz,
    databaseAllocatedStorage: positive('databaseAllocatedStorage', config.databaseAllocatedStorage, DEFAULTS.databaseAllocatedStorage),
    fileSystemStorage,
    backupStorage: amount('backupStorage', config.backupStorage, fileSystemStorage),
    loadBalancerCapacityUnits: amount('loadBalancerCapacityUnits', config.loadBalancerCapacityUnits, USAGE.loadBalancerCapacityUnits),
    natDataProcessed: amount('natDataProcessed', config.natDataProcessed, USAGE.natDataProcessed),
    logIngestion: amount('logIngestion', config.logIngestion, USAGE.logIngestion),
    secrets: count('secrets', config.secrets, USAGE.secrets, 0),
    alarms: count('alarms', config.alarms, DashboardMonitoring.DEFAULT_ALARM_COUNT + SCALING_ALARM_COUNT, 0),
    firewall: config.firewall !== undefined && (config.firewall.enabled ?? DEFAULTS.firewallEnabled),
    firewallRequests: amount('firewallRequests', config.firewallRequests, USAGE.firewallRequests),
    customerManagedKeys: count('customerManagedKeys', config.customerManagedKeys, 0, 0),
    kmsRequests: amount('kmsRequests', config.kmsRequests, USAGE.kmsRequests),
    logRetentionDays: retentionDays(config.logRetention ?? DEFAULTS.logRetention),
    detailedMonitoring: config.detailedMonitoring ?? DEFAULTS.detailedMonitoring,
    databaseMonitoringSeconds: monitoringSeconds(config.databaseMonitoringInterval),
  };
}

function retentionDays(retention: logs.RetentionDays): number {
  if (Token.isUnresolved(retention)) {
    throw new ValidationError('CostEstimate', ['logRetention must be known to be priced (got a token)']);
  }
  return retention === logs.RetentionDays.INFINITE ? INFINITE_RETENTION_DAYS : retention;
}

function monitoringSeconds(interval: Duration | undefined): number | undefined {
  if (interval === undefined) return undefined;
  const seconds = interval.isUnresolved() ? NaN : interval.toSeconds({ integral: false });
  if (!(DEFAULTS.databaseMonitoringIntervals as readonly number[]).includes(seconds)) {
    throw new ValidationError('CostEstimate', [`databaseMonitoringInterval must be ${DEFAULTS.databaseMonitoringIntervals.join(', ')} seconds `
      + `(got ${interval.isUnresolved() ? 'a token' : interval.toHumanString()})`]);
  }
  return seconds;
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new ValidationError('CostEstimate', [`${name} must be a whole number >= ${min} (got ${v})`]);
  }
  return v;
}

function amount(name: string, value: number | undefined, fallback: number, max?: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (max !== undefined && v > max)) {
    throw new ValidationError('CostEstimate', [`${name} must be a number from 0${max !== undefined ? ` to ${max}` : ''} (got ${v})`]);
  }
  return v;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new ValidationError('CostEstimate', [`${name} must be a number > 0 (got ${v})`]);
  }
  return v;
}

/** Rounds half up to the cent, after removing floating-point noise below a millionth of a dollar. */
function cents(amountUsd: number): number {
  const micro = Math.round(amountUsd * 1e6);
  return Math.round(micro / 1e4) / 100;
}

function estimate(config: CostEstimateConfig): CostBreakdown {
  const c = resolve(config);
  const p = c.prices;
  const h = HOURS_PER_MONTH;
  const items: CostItem[] = [];
  const add = (name: string, monthly: number, calculation: string) => items.push({ name, calculation, monthlyUsd: cents(monthly) });

  const ec2Hour = p.ec2[c.instanceType];
  add('EC2 instances', c.minCapacity * ec2Hour * h, `${c.minCapacity} x ${c.instanceType} x ${usd(ec2Hour)}/h x ${h} h`);

  const [family, size] = c.instanceType.split('.');
  const burstable = (family === 't3' || family === 't3a') && Object.hasOwn(BURSTABLE, size) ? BURSTABLE[size] : undefined;
  if (!burstable) {
    add('EC2 CPU credits', 0, `${c.instanceType} is not burstable`);
  } else if (c.cpuCredits === ec2.CpuCredits.STANDARD) {
    add('EC2 CPU credits', 0, 'standard mode: no surplus credits (throttled to the baseline instead)');
  } else {
    const surplus = Math.max(0, c.averageCpuUtilization - burstable.baseline) / 100;
    add('EC2 CPU credits', c.minCapacity * surplus * burstable.vcpus * h * p.surplusVcpuHour,
      `${c.minCapacity} x (${c.averageCpuUtilization}% - ${burstable.baseline}% baseline) x ${burstable.vcpus} vCPU x ${h} h x ${usd(p.surplusVcpuHour)}/vCPU-h`);
  }

  const ebsPrice = c.volumeType === ec2.EbsDeviceVolumeType.GP3 ? p.ebsGp3GbMonth : p.ebsGp2GbMonth;
  add('EBS root volumes', c.minCapacity * c.volumeSize * ebsPrice, `${c.minCapacity} x ${c.volumeSize} GiB ${c.volumeType} x ${usd(ebsPrice)}/GB-month`);

  add('NAT gateways', c.natGateways * p.natHour * h, `${c.natGateways} x ${usd(p.natHour)}/h x ${h} h`);
  const natGb = c.natGateways > 0 ? c.natDataProcessed : 0;
  add('NAT data processing', natGb * p.natGb, `${natGb} GB x ${usd(p.natGb)}/GB`);

  // Each NAT gateway has an Elastic IP; an internet-facing load balancer has a public address in each zone.
  const ips = c.natGateways + c.availabilityZones;
  add('Public IPv4 addresses', ips * p.publicIpv4Hour * h,
    `(${c.natGateways} NAT + ${c.availabilityZones} load balancer) x ${usd(p.publicIpv4Hour)}/h x ${h} h`);

  add('Load balancer', p.albHour * h, `1 x ${usd(p.albHour)}/h x ${h} h`);
  add('Load balancer capacity units', c.loadBalancerCapacityUnits * p.lcuHour * h,
    `${c.loadBalancerCapacityUnits} LCU x ${usd(p.lcuHour)}/LCU-h x ${h} h`);

  const endpointAzs = c.secretsManagerEndpoint ? c.availabilityZones : 0;
  add('Secrets Manager endpoint', endpointAzs * p.endpointHour * h,
    c.secretsManagerEndpoint ? `${endpointAzs} AZ x ${usd(p.endpointHour)}/h x ${h} h` : 'no endpoint');

  const dbCopies = c.databaseMultiAz ? 2 : 1;
  const dbHour = p.rds[c.databaseInstanceType];
  add('RDS instance', dbCopies * dbHour * h,
    `${dbCopies} (${c.databaseMultiAz ? 'Multi-AZ' : 'Single-AZ'}) x db.${c.databaseInstanceType} x ${usd(dbHour)}/h x ${h} h`);
  add('RDS storage', dbCopies * c.databaseAllocatedStorage * p.rdsStorageGbMonth,
    `${dbCopies} x ${c.databaseAllocatedStorage} GB x ${usd(p.rdsStorageGbMonth)}/GB-month`);

  add('EFS storage', c.fileSystemStorage * p.efsStandardGbMonth, `${c.fileSystemStorage} GB x ${usd(p.efsStandardGbMonth)}/GB-month`);
  add('AWS Backup (EFS)', c.backupStorage * p.backupEfsGbMonth, `${c.backupStorage} GB x ${usd(p.backupEfsGbMonth)}/GB-month`);
  add('Secrets Manager secrets', c.secrets * p.secretMonth, `${c.secrets} x ${usd(p.secretMonth)}/month`);
  add('CloudWatch dashboard', p.dashboardMonth, `1 x ${usd(p.dashboardMonth)}/month`);
  add('CloudWatch alarms', c.alarms * p.alarmMonth, `${c.alarms} x ${usd(p.alarmMonth)}/month`);
  add('CloudWatch Logs ingestion', c.logIngestion * p.logsIngestGb, `${c.logIngestion} GB x ${usd(p.logsIngestGb)}/GB`);
  // Kept logs pile up until the retention expires them: the ingestion of that many months.
  const storedGb = Math.round(c.logIngestion * c.logRetentionDays / 30 * 100) / 100;
  add('CloudWatch Logs storage', storedGb * p.logsStorageGbMonth,
    `${c.logIngestion} GB/month x ${c.logRetentionDays} days / 30 = ${storedGb} GB x ${usd(p.logsStorageGbMonth)}/GB-month`);

  const metrics = c.detailedMonitoring ? c.minCapacity * DETAILED_MONITORING_METRICS : 0;
  add('EC2 detailed monitoring', metrics * p.metricMonth, c.detailedMonitoring
    ? `${c.minCapacity} x ${DETAILED_MONITORING_METRICS} metrics x ${usd(p.metricMonth)}/metric-month`
    : 'basic monitoring (free)');
  const emSeconds = c.databaseMonitoringSeconds;
  const emGb = emSeconds === undefined ? 0 : Math.round(h * 3600 / emSeconds * ENHANCED_MONITORING_SAMPLE_KB / 1e6 * 100) / 100;
  add('RDS Enhanced Monitoring', emGb * p.logsIngestGb, emSeconds === undefined
    ? 'off'
    : `${h * 3600 / emSeconds} samples x ${ENHANCED_MONITORING_SAMPLE_KB} KB = ${emGb} GB x ${usd(p.logsIngestGb)}/GB`);

  add('KMS keys', c.customerManagedKeys * p.kmsKeyMonth,
    c.customerManagedKeys ? `${c.customerManagedKeys} x ${usd(p.kmsKeyMonth)}/month` : 'AWS owned and AWS managed keys (no key cost)');
  const kmsRequests = c.customerManagedKeys ? c.kmsRequests : 0;
  add('KMS requests', kmsRequests / 10 * p.kmsTenThousandRequests,
    c.customerManagedKeys ? `${kmsRequests} thousand x ${usd(p.kmsTenThousandRequests)}/10,000` : 'no customer managed key');

  const webAcls = c.firewall ? 1 : 0;
  const wafRules = webAcls * FIREWALL_RULE_COUNT;
  const wafRequests = webAcls * c.firewallRequests;
  add('WAF web ACL', webAcls * p.wafWebAclMonth, c.firewall ? `1 x ${usd(p.wafWebAclMonth)}/month` : 'no firewall');
  add('WAF rules', wafRules * p.wafRuleMonth, c.firewall ? `${wafRules} x ${usd(p.wafRuleMonth)}/month` : 'no firewall');
  add('WAF requests', wafRequests * p.wafMillionRequests,
    c.firewall ? `${wafRequests} million x ${usd(p.wafMillionRequests)}/million` : 'no firewall');

  const totalCents = items.reduce((sum, item) => sum + Math.round(item.monthlyUsd * 100), 0);
  return {
    region: c.region,
    currency: 'USD',
    hoursPerMonth: h,
    items,
    totalUsd: totalCents / 100,
    assumptions: [
      `${c.minCapacity} instance(s) running all month; each scaled-out instance adds ${usd(ec2Hour)}/h`,
      burstable
        ? `average CPU ${c.averageCpuUtilization}% per instance (baseline of ${c.instanceType}: ${burstable.baseline}%), CPU credits ${c.cpuCredits}`
        : `${c.instanceType} is not burstable`,
      `${c.loadBalancerCapacityUnits} load balancer capacity unit(s) on average`,
      `${c.fileSystemStorage} GiB on EFS Standard (bursting throughput) and ${c.backupStorage} GiB of recovery points in warm storage`,
      `${natGb} GiB a month through the NAT gateways`,
      `${c.logIngestion} GiB a month of logs ingested, stored as ingested for ${c.logRetentionDays} days (CloudWatch Logs `
        + 'bills archived logs compressed, so the storage line is an upper bound)',
      ...(emSeconds !== undefined ? [`an Enhanced Monitoring sample of about ${ENHANCED_MONITORING_SAMPLE_KB} KB every ${emSeconds} s `
        + '(RDS keeps them in its RDSOSMetrics log group, 30 days unless changed; that storage is not priced)'] : []),
      ...(c.customerManagedKeys ? [`${c.kmsRequests} thousand KMS requests a month`] : []),
      ...(c.firewall ? [`${c.firewallRequests} million requests a month inspected by the firewall`] : []),
      'automated RDS backups stay within the free allowance (backup storage up to the provisioned storage)',
      'GiB priced as GB, the unit of the price pages',
    ],
    excluded: [
      'data transfer to the internet and between Availability Zones',
      'S3 storage and requests (uploads bucket, optional access logs)',
      'Lambda invocations (file sync, secret rotation) and API requests (Secrets Manager, CloudWatch, and KMS without a customer managed key)',
      'notifications of the alarm topic (SNS publishes and deliveries)',
      'data processed by the Secrets Manager endpoint',
      'Route 53 hosted zone and queries',
      'free tiers (e.g. the first 3 dashboards and 10 alarms of an account), Savings Plans, reserved instances and taxes',
      'the Panintelligence licence',
    ],
  };
}

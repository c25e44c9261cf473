import * as fs from 'fs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DashboardMonitoring } from './monitoring';

/** The fleet's CPU step scaling uses one alarm to scale out and one to scale in. */
const SCALING_ALARM_COUNT = 2;

/**
 * A configuration to price. Property names match `PanintelligenceDashboardProps` where the
 * two overlap, so the props of a stack can be passed as they are; the rest are usage
 * assumptions with documented defaults.
 */
export interface CostEstimateConfig {
  /**
   * Region whose prices apply: `us-east-1` or `eu-west-1`.
   *
   * @default 'us-east-1'
   */
  readonly region?: string;

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
   * Assumed average CPU utilisation of each instance, in percent. In unlimited mode the part
   * above the instance type's baseline is billed as surplus CPU credits.
   *
   * @default 30
   */
  readonly averageCpuUtilization?: number;

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
   * Instance class of the database, without the `db.` prefix.
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
   * Assumed CloudWatch Logs ingestion each month, in GiB (VPC flow logs, function logs).
   *
   * @default 2
   */
  readonly logIngestion?: number;

  /**
   * Secrets Manager secrets (database credentials and the licence).
   *
   * @default 2
   */
  readonly secrets?: number;

  /**
   * CloudWatch alarms: those of the monitoring plus the two that drive CPU step scaling.
   *
   * @default 11 (DashboardMonitoring.DEFAULT_ALARM_COUNT + 2)
   */
  readonly alarms?: number;
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

/** On-demand list prices of one region, USD. Internal. */
interface RegionPrices {
  /** EC2 Linux, per hour. */
  readonly ec2: { readonly [instanceType: string]: number };
  /** RDS for MariaDB Single-AZ, per hour. */
  readonly rds: { readonly [instanceClass: string]: number };
  readonly ebsGp3GbMonth: number;
  readonly ebsGp2GbMonth: number;
  /** RDS General Purpose storage (gp2 and gp3 cost the same), Single-AZ. */
  readonly rdsStorageGbMonth: number;
  readonly natHour: number;
  readonly natGb: number;
  readonly publicIpv4Hour: number;
  readonly albHour: number;
  readonly lcuHour: number;
  /** Interface endpoint, per endpoint per Availability Zone. */
  readonly endpointHour: number;
  readonly efsStandardGbMonth: number;
  /** AWS Backup, EFS warm storage. */
  readonly backupEfsGbMonth: number;
  readonly secretMonth: number;
  readonly dashboardMonth: number;
  readonly alarmMonth: number;
  readonly logsIngestGb: number;
  /** T3/T3a unlimited mode surplus credits, Linux, per vCPU-hour. */
  readonly surplusVcpuHour: number;
}

const HOURS_PER_MONTH = 730;

/** Regions of the price table, in the order of the price columns below. */
const REGIONS = ['us-east-1', 'eu-west-1'];

/**
 * The price table: AWS public on-demand list prices in USD (Linux, no free tier, no Savings
 * Plans), from the pricing pages named in {@link PRICE_SOURCES}. Each row: name, us-east-1, eu-west-1.
 */
const EC2_HOURLY: ReadonlyArray<readonly [string, number, number]> = [
  ['t3.nano', 0.0052, 0.0057],
  ['t3.micro', 0.0104, 0.0114],
  ['t3.small', 0.0208, 0.0228],
  ['t3.medium', 0.0416, 0.0456],
  ['t3.large', 0.0832, 0.0912],
  ['t3.xlarge', 0.1664, 0.1824],
  ['t3.2xlarge', 0.3328, 0.3648],
  ['t3a.nano', 0.0047, 0.0051],
  ['t3a.micro', 0.0094, 0.0102],
  ['t3a.small', 0.0188, 0.0204],
  ['t3a.medium', 0.0376, 0.0408],
  ['t3a.large', 0.0752, 0.0816],
  ['t3a.xlarge', 0.1504, 0.1632],
  ['t3a.2xlarge', 0.3008, 0.3264],
  ['m5.large', 0.096, 0.107],
  ['m5.xlarge', 0.192, 0.214],
  ['m5a.large', 0.086, 0.096],
  ['m5a.xlarge', 0.172, 0.192],
];

/** RDS for MariaDB, Single-AZ, per hour (class without the `db.` prefix). */
const RDS_HOURLY: ReadonlyArray<readonly [string, number, number]> = [
  ['t3.micro', 0.017, 0.018],
  ['t3.small', 0.034, 0.036],
  ['t3.medium', 0.068, 0.072],
  ['t3.large', 0.136, 0.144],
  ['t3.xlarge', 0.272, 0.288],
  ['t3.2xlarge', 0.544, 0.576],
];

/** Every other price. */
const OTHER: ReadonlyArray<readonly [keyof Omit<RegionPrices, 'ec2' | 'rds'>, number, number]> = [
  ['ebsGp3GbMonth', 0.08, 0.088],
  ['ebsGp2GbMonth', 0.10, 0.11],
  ['rdsStorageGbMonth', 0.115, 0.127],
  ['natHour', 0.045, 0.048],
  ['natGb', 0.045, 0.048],
  ['publicIpv4Hour', 0.005, 0.005],
  ['albHour', 0.0225, 0.0252],
  ['lcuHour', 0.008, 0.008],
  ['endpointHour', 0.01, 0.011],
  ['efsStandardGbMonth', 0.30, 0.33],
  ['backupEfsGbMonth', 0.05, 0.055],
  ['secretMonth', 0.40, 0.40],
  ['dashboardMonth', 3.00, 3.00],
  ['alarmMonth', 0.10, 0.10],
  ['logsIngestGb', 0.50, 0.57],
  ['surplusVcpuHour', 0.05, 0.05],
];

const PRICES: { readonly [region: string]: RegionPrices } = Object.fromEntries(REGIONS.map((region, i) => {
  const column = (rows: ReadonlyArray<readonly [string, number, number]>) =>
    Object.fromEntries(rows.map((r) => [r[0], i === 0 ? r[1] : r[2]]));
  return [region, { ...column(OTHER), ec2: column(EC2_HOURLY), rds: column(RDS_HOURLY) } as RegionPrices];
}));

/** Where each figure of the price table comes from. */
const PRICE_SOURCES = {
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  ebs: 'https://aws.amazon.com/ebs/pricing/',
  rds: 'https://aws.amazon.com/rds/mariadb/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  efs: 'https://aws.amazon.com/efs/pricing/',
  backup: 'https://aws.amazon.com/backup/pricing/',
  secrets: 'https://aws.amazon.com/secrets-manager/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
};

/** vCPUs and baseline utilisation (percent per vCPU) of the burstable types. Same in every region. */
const BURSTABLE: { readonly [size: string]: { readonly vcpus: number; readonly baseline: number } } = {
  'nano': { vcpus: 2, baseline: 5 },
  'micro': { vcpus: 2, baseline: 10 },
  'small': { vcpus: 2, baseline: 20 },
  'medium': { vcpus: 2, baseline: 20 },
  'large': { vcpus: 2, baseline: 30 },
  'xlarge': { vcpus: 4, baseline: 40 },
  '2xlarge': { vcpus: 8, baseline: 40 },
};

/** Markers of the generated section in README.md. */
export const COST_TABLE_START = '<!-- cost-table:start -->';
/** End marker of the generated section in README.md. */
export const COST_TABLE_END = '<!-- cost-table:end -->';

/**
 * Monthly on-demand cost estimate of a dashboard stack, from a documented price table.
 *
 * The figures are list prices for `us-east-1` and `eu-west-1` times 730 hours, with the usage
 * assumptions stated in each breakdown. They leave out data transfer and request charges; use
 * them to compare configurations, not as a quote.
 *
 * @example
 * import { CostEstimate } from '@panintelligence/cdk-dashboard';
 *
 * const estimate = CostEstimate.monthly({ region: 'eu-west-1', natGateways: 2, minCapacity: 2 });
 * const perMonth = estimate.totalUsd; // USD
 */
export class CostEstimate {
  /** Hours in a billing month, as AWS prices monthly figures. */
  public static readonly HOURS_PER_MONTH = HOURS_PER_MONTH;

  /** Regions in the price table. */
  public static readonly REGIONS: string[] = [...REGIONS];

  /** When the price table was taken from the AWS pricing pages. */
  public static readonly PRICES_AS_OF = '2026';

  /**
   * Estimates the monthly cost of a configuration.
   *
   * @param config the configuration; every property has a default matching the construct's default
   * @throws if the region, an instance type or the volume type is not in the price table, or a number is out of range
   */
  public static monthly(config: CostEstimateConfig = {}): CostBreakdown {
    return estimate(config);
  }

  /**
   * The default configuration of `PanintelligenceDashboard`, priced in `region`.
   *
   * @param region `us-east-1` or `eu-west-1`
   */
  public static defaultConfiguration(region: string): CostEstimateConfig {
    return { region };
  }

  /**
   * A highly available configuration: a NAT gateway in each of the 2 Availability Zones, two
   * instances at all times (one per zone) and a Multi-AZ database.
   *
   * @param region `us-east-1` or `eu-west-1`
   */
  public static highAvailabilityConfiguration(region: string): CostEstimateConfig {
    return { region, natGateways: 2, minCapacity: 2, databaseMultiAz: true };
  }

  /**
   * Markdown with the default and the highly available configuration in both regions, the
   * effect of each cost lever, and the price table. README.md embeds it (`npx projen cost:table`).
   */
  public static markdown(): string {
    return renderMarkdown();
  }

  private constructor() {}
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
}

function resolve(config: CostEstimateConfig): ResolvedConfig {
  const region = config.region ?? 'us-east-1';
  if (!Object.hasOwn(PRICES, region)) {
    throw new Error(`region must be one of ${REGIONS.join(', ')} (got "${region}")`);
  }
  const prices = PRICES[region];
  const instanceType = (config.instanceType ?? new ec2.InstanceType('t3a.medium')).toString();
  if (!Object.hasOwn(prices.ec2, instanceType)) {
    throw new Error(`instanceType "${instanceType}" is not in the price table for ${region}; known: ${Object.keys(prices.ec2).join(', ')}`);
  }
  const databaseInstanceType = (config.databaseInstanceType ?? new ec2.InstanceType('t3.micro')).toString().replace(/^db\./, '');
  if (!Object.hasOwn(prices.rds, databaseInstanceType)) {
    throw new Error(`databaseInstanceType "${databaseInstanceType}" is not in the price table for ${region}; known: ${Object.keys(prices.rds).join(', ')}`);
  }
  const volumeType = config.volumeType ?? ec2.EbsDeviceVolumeType.GP3;
  if (volumeType !== ec2.EbsDeviceVolumeType.GP3 && volumeType !== ec2.EbsDeviceVolumeType.GP2) {
    throw new Error(`volumeType must be gp2 or gp3 (got "${volumeType}")`);
  }
  const cpuCredits = config.cpuCredits ?? ec2.CpuCredits.UNLIMITED;
  if (cpuCredits !== ec2.CpuCredits.UNLIMITED && cpuCredits !== ec2.CpuCredits.STANDARD) {
    throw new Error(`cpuCredits must be standard or unlimited (got "${cpuCredits}")`);
  }
  const fileSystemStorage = amount('fileSystemStorage', config.fileSystemStorage, 5);
  return {
    region,
    prices,
    availabilityZones: count('availabilityZones', config.availabilityZones, 2, 1),
    natGateways: count('natGateways', config.natGateways, 1, 0),
    secretsManagerEndpoint: config.secretsManagerEndpoint ?? true,
    instanceType,
    minCapacity: count('minCapacity', config.minCapacity, 1, 0),
    cpuCredits,
    averageCpuUtilization: amount('averageCpuUtilization', config.averageCpuUtilization, 30, 100),
    volumeType,
    volumeSize: positive('volumeSize', config.volumeSize, 15),
    databaseInstanceType,
    databaseMultiAz: config.databaseMultiAz ?? true,
    databaseAllocatedStorage: positive('databaseAllocatedStorage', config.databaseAllocatedStorage, 20),
    fileSystemStorage,
    backupStorage: amount('backupStorage', config.backupStorage, fileSystemStorage),
    loadBalancerCapacityUnits: amount('loadBalancerCapacityUnits', config.loadBalancerCapacityUnits, 1),
    natDataProcessed: amount('natDataProcessed', config.natDataProcessed, 5),
    logIngestion: amount('logIngestion', config.logIngestion, 2),
    secrets: count('secrets', config.secrets, 2, 0),
    alarms: count('alarms', config.alarms, DashboardMonitoring.DEFAULT_ALARM_COUNT + SCALING_ALARM_COUNT, 0),
  };
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`${name} must be a whole number >= ${min} (got ${v})`);
  }
  return v;
}

function amount(name: string, value: number | undefined, fallback: number, max?: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (max !== undefined && v > max)) {
    throw new Error(`${name} must be a number from 0${max !== undefined ? ` to ${max}` : ''} (got ${v})`);
  }
  return v;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new Error(`${name} must be a number > 0 (got ${v})`);
  }
  return v;
}

/** Rounds half up to the cent, after removing floating-point noise below a millionth of a dollar. */
function cents(usd: number): number {
  const micro = Math.round(usd * 1e6);
  return Math.round(micro / 1e4) / 100;
}

/** A unit price with at least two decimals, e.g. `$0.30`, `$0.0376`. */
const usd = (n: number) => {
  const decimals = (String(n).split('.')[1] ?? '').length;
  return `$${n.toFixed(Math.max(2, decimals))}`;
};

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
      `${c.logIngestion} GiB a month of logs ingested`,
      'automated RDS backups stay within the free allowance (backup storage up to the provisioned storage)',
      'GiB priced as GB, the unit of the price pages',
    ],
    excluded: [
      'data transfer to the internet and between Availability Zones',
      'S3 storage and requests (uploads bucket, optional access logs)',
      'Lambda invocations (file sync, secret rotation) and API requests (Secrets Manager, KMS, CloudWatch)',
      'data processed by the Secrets Manager endpoint',
      'Route 53 hosted zone and queries',
      'free tiers (e.g. the first 3 dashboards and 10 alarms of an account), Savings Plans, reserved instances and taxes',
      'the Panintelligence licence',
    ],
  };
}

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

function signed(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  return rounded >= 0 ? `+${money(rounded)}` : `-${money(-rounded)}`;
}

function renderMarkdown(): string {
  const regions = REGIONS;
  const columns: { title: string; breakdown: CostBreakdown }[] = [];
  for (const region of regions) {
    columns.push({ title: `Default, ${region}`, breakdown: estimate(CostEstimate.defaultConfiguration(region)) });
    columns.push({ title: `HA, ${region}`, breakdown: estimate(CostEstimate.highAvailabilityConfiguration(region)) });
  }
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const separator = (cells: string[]) => lines.push(`|${cells.map((c) => (c === 'r' ? '---:' : '---')).join('|')}|`);

  lines.push('<!-- Generated by `npx projen cost:table` from src/cost.ts; do not edit by hand. -->');
  lines.push('');
  lines.push(`Monthly on-demand estimate in USD (${HOURS_PER_MONTH} hours a month), from the price table below `
    + `(AWS list prices, ${CostEstimate.PRICES_AS_OF}). Compute your own with \`CostEstimate.monthly({ ... })\`.`);
  lines.push('');
  lines.push('- **Default**: the construct\'s defaults: 2 Availability Zones, 1 NAT gateway, Secrets Manager endpoint, '
    + '1 x t3a.medium (unlimited CPU credits) with a 15 GiB gp3 root volume, Multi-AZ db.t3.micro with 20 GiB.');
  lines.push('- **HA**: the same with a NAT gateway in each zone (`natGateways: 2`) and two instances at all times (`minCapacity: 2`).');
  lines.push('');
  row(['Item', ...columns.map((c) => c.title)]);
  separator(['l', ...columns.map(() => 'r')]);
  const names = columns[0].breakdown.items.map((i) => i.name);
  names.forEach((name, index) => row([name, ...columns.map((c) => money(c.breakdown.items[index].monthlyUsd))]));
  row(['**Total per month**', ...columns.map((c) => `**${money(c.breakdown.totalUsd)}**`)]);
  lines.push('');
  lines.push('Assumptions (change them in `CostEstimate.monthly`):');
  lines.push('');
  for (const a of columns[0].breakdown.assumptions) lines.push(`- ${a}`);
  lines.push('');
  lines.push(`Not included: ${columns[0].breakdown.excluded.join('; ')}.`);
  lines.push('');
  lines.push('How each line is computed: instances, root volumes and CPU credits scale with `minCapacity`; '
    + 'CPU credits = (average CPU - baseline) x vCPUs x hours x surplus price, only in unlimited mode; '
    + 'public IPv4 addresses = NAT gateways + one per zone for the load balancer (its minimum); '
    + 'the endpoint is billed per zone; a Multi-AZ database doubles the instance and storage price. '
    + 'Each line is rounded to the cent; the total adds the rounded lines.');
  lines.push('');

  lines.push('### Cost levers');
  lines.push('');
  lines.push('Change of the monthly total against the default configuration, one prop at a time:');
  lines.push('');
  const levers: { prop: string; config: CostEstimateConfig }[] = [
    { prop: '`natGateways: 2` (one per zone)', config: { natGateways: 2 } },
    { prop: '`secretsManagerEndpoint: false`', config: { secretsManagerEndpoint: false } },
    { prop: '`cpuCredits: CpuCredits.STANDARD`', config: { cpuCredits: ec2.CpuCredits.STANDARD } },
    { prop: '`databaseMultiAz: false`', config: { databaseMultiAz: false } },
    { prop: '`instanceType: t3.medium` (instead of t3a)', config: { instanceType: new ec2.InstanceType('t3.medium') } },
    { prop: '`volumeType: GP2` (instead of gp3)', config: { volumeType: ec2.EbsDeviceVolumeType.GP2 } },
    { prop: '`minCapacity: 2`', config: { minCapacity: 2 } },
  ];
  row(['Prop', ...regions]);
  separator(['l', ...regions.map(() => 'r')]);
  for (const lever of levers) {
    row([lever.prop, ...regions.map((region) =>
      signed(estimate({ region, ...lever.config }).totalUsd - estimate({ region }).totalUsd))]);
  }
  lines.push('');

  lines.push('### Price table');
  lines.push('');
  row(['Price (USD)', 'Unit', ...regions, 'Source']);
  separator(['l', 'l', ...regions.map(() => 'r'), 'l']);
  const priceRow = (label: string, unit: string, pick: (p: RegionPrices) => number | undefined, source: string) =>
    row([label, unit, ...regions.map((r) => {
      const v = pick(PRICES[r]);
      return v === undefined ? 'n/a' : usd(v);
    }), `[${new URL(source).pathname.replace(/^\/|\/$/g, '')}](${source})`]);
  const ec2Types = Object.keys(PRICES[regions[0]].ec2);
  for (const t of ec2Types) priceRow(`EC2 ${t}`, 'hour', (p) => p.ec2[t], PRICE_SOURCES.ec2);
  priceRow('T3/T3a unlimited surplus credits', 'vCPU-hour', (p) => p.surplusVcpuHour, PRICE_SOURCES.ec2);
  priceRow('EBS gp3', 'GB-month', (p) => p.ebsGp3GbMonth, PRICE_SOURCES.ebs);
  priceRow('EBS gp2', 'GB-month', (p) => p.ebsGp2GbMonth, PRICE_SOURCES.ebs);
  const rdsTypes = Object.keys(PRICES[regions[0]].rds);
  for (const t of rdsTypes) priceRow(`RDS MariaDB db.${t} (Single-AZ)`, 'hour', (p) => p.rds[t], PRICE_SOURCES.rds);
  priceRow('RDS General Purpose storage (Single-AZ)', 'GB-month', (p) => p.rdsStorageGbMonth, PRICE_SOURCES.rds);
  priceRow('NAT gateway', 'hour', (p) => p.natHour, PRICE_SOURCES.vpc);
  priceRow('NAT gateway data processed', 'GB', (p) => p.natGb, PRICE_SOURCES.vpc);
  priceRow('Public IPv4 address', 'hour', (p) => p.publicIpv4Hour, PRICE_SOURCES.vpc);
  priceRow('Application Load Balancer', 'hour', (p) => p.albHour, PRICE_SOURCES.elb);
  priceRow('Load balancer capacity unit', 'LCU-hour', (p) => p.lcuHour, PRICE_SOURCES.elb);
  priceRow('Interface endpoint', 'AZ-hour', (p) => p.endpointHour, PRICE_SOURCES.privatelink);
  priceRow('EFS Standard storage', 'GB-month', (p) => p.efsStandardGbMonth, PRICE_SOURCES.efs);
  priceRow('AWS Backup, EFS warm storage', 'GB-month', (p) => p.backupEfsGbMonth, PRICE_SOURCES.backup);
  priceRow('Secrets Manager secret', 'month', (p) => p.secretMonth, PRICE_SOURCES.secrets);
  priceRow('CloudWatch dashboard', 'month', (p) => p.dashboardMonth, PRICE_SOURCES.cloudwatch);
  priceRow('CloudWatch standard alarm', 'month', (p) => p.alarmMonth, PRICE_SOURCES.cloudwatch);
  priceRow('CloudWatch Logs ingestion', 'GB', (p) => p.logsIngestGb, PRICE_SOURCES.cloudwatch);
  lines.push('');
  lines.push('A Multi-AZ database is billed at twice the Single-AZ instance and storage prices.');
  return lines.join('\n');
}

/**
 * Replaces the generated section between the cost-table markers of a README, or appends a
 * "Cost estimate" section with the markers when the README has none. Internal, used by the
 * `cost:table` projen task.
 */
export function replaceCostTable(readme: string, table: string): string {
  const start = readme.indexOf(COST_TABLE_START);
  const end = readme.indexOf(COST_TABLE_END);
  const block = `${COST_TABLE_START}\n${table}\n${COST_TABLE_END}`;
  if (start === -1 && end === -1) {
    return `${readme.replace(/\s*$/, '')}\n\n## Cost estimate\n\n${block}\n`;
  }
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README has a broken cost table: expected ${COST_TABLE_START} followed by ${COST_TABLE_END}`);
  }
  return readme.slice(0, start) + block + readme.slice(end + COST_TABLE_END.length);
}

/**
 * The text between the cost-table markers of a README, or undefined when it has no markers.
 * Internal.
 */
export function extractCostTable(readme: string): string | undefined {
  const start = readme.indexOf(COST_TABLE_START);
  const end = readme.indexOf(COST_TABLE_END);
  if (start === -1 || end === -1 || end < start) {
    return undefined;
  }
  return readme.slice(start + COST_TABLE_START.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

/**
 * Regenerates the cost table inside a README file and returns the table. Internal, run by
 * the `cost:table` projen task.
 */
export function writeCostTable(readmePath: string): string {
  const table = CostEstimate.markdown();
  const readme = fs.existsSync(readmePath) ? fs.readFileSync(readmePath, 'utf-8') : '';
  fs.writeFileSync(readmePath, replaceCostTable(readme, table));
  return table;
}

/**
 * The price table of the cost estimate: AWS public on-demand list prices in USD (Linux, no free
 * tier, no Savings Plans), from the pricing pages in {@link PRICE_SOURCES}. Internal: the public
 * API is `CostEstimate`; the README's price table is rendered from here by scripts/cost-table.ts.
 */

/** On-demand list prices of one region, USD. */
export interface RegionPrices {
  /** EC2 Linux, per hour. */
  readonly ec2: { readonly [instanceType: string]: number };
  /** RDS for MariaDB Single-AZ, per hour (class without the `db.` prefix). */
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
  /** CloudWatch Logs storage (archived), per GB-month. */
  readonly logsStorageGbMonth: number;
  /** CloudWatch metrics (the first 10,000), per metric-month: EC2 detailed monitoring is billed so. */
  readonly metricMonth: number;
  /** AWS KMS: a customer managed key, per month. */
  readonly kmsKeyMonth: number;
  /** AWS KMS: 10,000 requests (beyond the free tier). */
  readonly kmsTenThousandRequests: number;
  /** T3/T3a unlimited mode surplus credits, Linux, per vCPU-hour. */
  readonly surplusVcpuHour: number;
  /** AWS WAF: a web ACL, per month. */
  readonly wafWebAclMonth: number;
  /** AWS WAF: a rule or managed rule group in a web ACL, per month. */
  readonly wafRuleMonth: number;
  /** AWS WAF: a million requests inspected (up to 1,500 WCU per web ACL; the firewall uses fewer). */
  readonly wafMillionRequests: number;
}

/** Hours in a billing month, as AWS prices monthly figures. */
export const HOURS_PER_MONTH = 730;

/** When the price table was taken from the AWS pricing pages. */
export const PRICES_AS_OF = '2026';

/** Regions of the price table, in the order of the price columns below. */
export const REGIONS: readonly string[] = ['us-east-1', 'eu-west-1', 'eu-west-2'];

type Row = readonly [string, number, number, number];

/** EC2 Linux, per hour. Each row: name, us-east-1, eu-west-1, eu-west-2. */
const EC2_HOURLY: readonly Row[] = [
  ['t3.nano', 0.0052, 0.0057, 0.0059],
  ['t3.micro', 0.0104, 0.0114, 0.0118],
  ['t3.small', 0.0208, 0.0228, 0.0236],
  ['t3.medium', 0.0416, 0.0456, 0.0472],
  ['t3.large', 0.0832, 0.0912, 0.0944],
  ['t3.xlarge', 0.1664, 0.1824, 0.1888],
  ['t3.2xlarge', 0.3328, 0.3648, 0.3776],
  ['t3a.nano', 0.0047, 0.0051, 0.0053],
  ['t3a.micro', 0.0094, 0.0102, 0.0106],
  ['t3a.small', 0.0188, 0.0204, 0.0212],
  ['t3a.medium', 0.0376, 0.0408, 0.0424],
  ['t3a.large', 0.0752, 0.0816, 0.0848],
  ['t3a.xlarge', 0.1504, 0.1632, 0.1696],
  ['t3a.2xlarge', 0.3008, 0.3264, 0.3392],
  ['m5.large', 0.096, 0.107, 0.111],
  ['m5.xlarge', 0.192, 0.214, 0.222],
  ['m5a.large', 0.086, 0.096, 0.1],
  ['m5a.xlarge', 0.172, 0.192, 0.2],
  ['m6i.large', 0.096, 0.107, 0.111],
  ['m6i.xlarge', 0.192, 0.214, 0.222],
  ['m6a.large', 0.0864, 0.0963, 0.0999],
  ['m6a.xlarge', 0.1728, 0.1926, 0.1998],
];

/** RDS for MariaDB, Single-AZ, per hour (class without the `db.` prefix). */
const RDS_HOURLY: readonly Row[] = [
  ['t3.micro', 0.017, 0.018, 0.02],
  ['t3.small', 0.034, 0.036, 0.04],
  ['t3.medium', 0.068, 0.072, 0.08],
  ['t3.large', 0.136, 0.144, 0.16],
  ['t3.xlarge', 0.272, 0.288, 0.32],
  ['t3.2xlarge', 0.544, 0.576, 0.64],
];

type Scalar = keyof Omit<RegionPrices, 'ec2' | 'rds'>;

/** Every other price. */
const OTHER: ReadonlyArray<readonly [Scalar, number, number, number]> = [
  ['ebsGp3GbMonth', 0.08, 0.088, 0.0928],
  ['ebsGp2GbMonth', 0.10, 0.11, 0.116],
  ['rdsStorageGbMonth', 0.115, 0.127, 0.133],
  ['natHour', 0.045, 0.048, 0.05],
  ['natGb', 0.045, 0.048, 0.05],
  ['publicIpv4Hour', 0.005, 0.005, 0.005],
  ['albHour', 0.0225, 0.0252, 0.02646],
  ['lcuHour', 0.008, 0.008, 0.0084],
  ['endpointHour', 0.01, 0.011, 0.011],
  ['efsStandardGbMonth', 0.30, 0.33, 0.33],
  ['backupEfsGbMonth', 0.05, 0.055, 0.055],
  ['secretMonth', 0.40, 0.40, 0.40],
  ['dashboardMonth', 3.00, 3.00, 3.00],
  ['alarmMonth', 0.10, 0.10, 0.10],
  ['logsIngestGb', 0.50, 0.57, 0.5985],
  ['logsStorageGbMonth', 0.03, 0.03, 0.0315],
  ['metricMonth', 0.30, 0.30, 0.30],
  // AWS KMS prices are the same in every region.
  ['kmsKeyMonth', 1.00, 1.00, 1.00],
  ['kmsTenThousandRequests', 0.03, 0.03, 0.03],
  ['surplusVcpuHour', 0.05, 0.05, 0.05],
  // AWS WAF prices are the same in every region.
  ['wafWebAclMonth', 5.00, 5.00, 5.00],
  ['wafRuleMonth', 1.00, 1.00, 1.00],
  ['wafMillionRequests', 0.60, 0.60, 0.60],
];

/** The prices of each region of {@link REGIONS}. */
export const PRICES: { readonly [region: string]: RegionPrices } = Object.fromEntries(REGIONS.map((region, i) => {
  const column = (rows: ReadonlyArray<readonly [string, ...number[]]>) =>
    Object.fromEntries(rows.map((r) => [r[0], r[i + 1] as number]));
  return [region, { ...column(OTHER), ec2: column(EC2_HOURLY), rds: column(RDS_HOURLY) } as RegionPrices];
}));

/** Where each figure of the price table comes from. */
export const PRICE_SOURCES = {
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
  waf: 'https://aws.amazon.com/waf/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
} as const;

/** vCPUs and baseline utilisation (percent per vCPU) of the burstable sizes. Same in every region. */
export const BURSTABLE: { readonly [size: string]: { readonly vcpus: number; readonly baseline: number } } = {
  'nano': { vcpus: 2, baseline: 5 },
  'micro': { vcpus: 2, baseline: 10 },
  'small': { vcpus: 2, baseline: 20 },
  'medium': { vcpus: 2, baseline: 20 },
  'large': { vcpus: 2, baseline: 30 },
  'xlarge': { vcpus: 4, baseline: 40 },
  '2xlarge': { vcpus: 8, baseline: 40 },
};

/** A unit price with at least two decimals, e.g. `$0.30`, `$0.0376`. */
export function unitPrice(n: number): string {
  const decimals = (String(n).split('.')[1] ?? '').length;
  return `$${n.toFixed(Math.max(2, decimals))}`;
}

import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { UpgradeMode } from '../upgrade';
import { instanceSignalBudget } from './fleet';
import { DEREGISTRATION_DELAY } from './load-balancer';
import { ALARM_RULES } from './monitoring/alarms';
import type { ResolvedDashboardProps } from './resolved-props';
import { known, Rule, wholeNumberIn } from './validation';

type Props = ResolvedDashboardProps;
type DashboardRule = Rule<Props>;

/** A percentage strictly between 0 and 100. */
function percent(prop: string, get: (p: Props) => number): DashboardRule {
  return {
    prop,
    violated: (p) => known(get(p)) && !(get(p) > 0 && get(p) < 100),
    message: (p) => `${prop} must be greater than 0 and less than 100, got ${get(p)}`,
  };
}

/** A duration that, when resolved, must not be `outside` the `range` its message states. */
function durationIn(prop: string, get: (p: Props) => Duration, outside: (d: Duration) => boolean, range: string): DashboardRule {
  return {
    prop,
    violated: (p) => !get(p).isUnresolved() && outside(get(p)),
    message: (p) => `${prop} must be ${range}, got ${get(p).toHumanString()}`,
  };
}

/** A duration that must be concrete whole seconds from `min` to `max`. */
function wholeSecondsIn(prop: string, get: (p: Props) => Duration, min: number, max: number, range: string): DashboardRule {
  return {
    prop,
    violated: (p) => {
      const d = get(p);
      if (d.isUnresolved()) return true;
      const seconds = d.toSeconds({ integral: false });
      return !Number.isInteger(seconds) || seconds < min || seconds > max;
    },
    message: (p) => {
      const d = get(p);
      return `${prop} must be whole seconds ${range}, got ${d.isUnresolved() ? 'a token' : d.toHumanString()}`;
    },
  };
}

const days = (d: Duration) => d.toDays({ integral: false });

/** CloudFormation's longest PauseTime of a rolling update. */
const MAX_PAUSE_SECONDS = 3600;

/** The pause of a rollout in the exclusive mode, in seconds; undefined when not concrete. */
function exclusivePauseSeconds(p: Props): number | undefined {
  if (p.healthCheckGracePeriod.isUnresolved()) return undefined;
  return instanceSignalBudget(p.healthCheckGracePeriod, UpgradeMode.EXCLUSIVE, DEREGISTRATION_DELAY).toSeconds({ integral: false });
}

/**
 * An RDS DB snapshot: its ARN, or its name (letters, digits, hyphens and, in the names AWS Backup
 * gives, colons, starting with a letter).
 */
const DB_SNAPSHOT_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:[A-Za-z][A-Za-z0-9:-]{0,254}$/;
const DB_SNAPSHOT_NAME = /^[A-Za-z][A-Za-z0-9:-]{0,254}$/;

function badSnapshotIdentifier(p: Props): boolean {
  const id = p.databaseSnapshotIdentifier;
  if (id === undefined || Token.isUnresolved(id)) return false;
  return id.startsWith('arn:') ? !DB_SNAPSHOT_ARN.test(id) : !DB_SNAPSHOT_NAME.test(id);
}

/** The Node.js major version the sync handler is bundled for (`target` of its bundle in projenrc). */
export const SYNC_BUNDLE_NODE_MAJOR = 24;

/** The major version of a Node.js runtime (`nodejs24.x` is 24); undefined for other families. */
function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === lambda.RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
}

/** The zone's name, lower case without the final dot; undefined when it is a token. */
function zoneNameOf(zone: route53.IHostedZone): string | undefined {
  // A zone imported by id alone throws here with advice to import it with its name.
  const name = zone.zoneName;
  return Token.isUnresolved(name) ? undefined : name.replace(/\.$/, '').toLowerCase();
}

function domainOutsideZone(p: Props): boolean {
  if (!p.domainName || !p.hostedZone || Token.isUnresolved(p.domainName)) {
    return false;
  }
  const zoneName = zoneNameOf(p.hostedZone);
  const domain = p.domainName.replace(/\.$/, '').toLowerCase();
  return zoneName !== undefined && domain !== zoneName && !domain.endsWith(`.${zoneName}`);
}

/**
 * The rules of `PanintelligenceDashboardProps`, grouped by tier. They read the resolved props,
 * so a rule relating two props also holds when one of them is left out; a default never breaks
 * a rule, so a message that quotes a value quotes one the user wrote.
 */
export const DASHBOARD_RULES: ReadonlyArray<DashboardRule> = [
  // Network.
  {
    prop: 'natGateways',
    violated: (p) => p.vpc !== undefined && p.given.natGateways !== undefined,
    message: () => 'natGateways applies only to the VPC created by this construct; leave it out when vpc is given',
  },
  wholeNumberIn('natGateways', (p) => p.natGateways, 1, 2),

  // Entry point: a certificate, or a domain in a hosted zone to validate one.
  {
    prop: 'hostedZone',
    violated: (p) => p.hostedZone !== undefined && !p.domainName,
    message: () => 'hostedZone needs domainName: the record and certificate are made for that name',
  },
  {
    prop: 'certificate',
    violated: (p) => !p.certificate && !(p.domainName && p.hostedZone),
    message: () => 'give a certificate, or both domainName and hostedZone so a DNS-validated certificate can be made',
  },
  {
    prop: 'domainName',
    violated: domainOutsideZone,
    message: (p) => `domainName ${p.domainName} is not inside hostedZone ${zoneNameOf(p.hostedZone!)}`,
  },
  {
    prop: 'healthCheckPath',
    violated: (p) => !Token.isUnresolved(p.healthCheckPath) && !p.healthCheckPath.startsWith('/'),
    message: (p) => `healthCheckPath must start with '/', got '${p.healthCheckPath}'`,
  },
  // The boot budget is counted down on the instance, and the idle timeout is a listener
  // attribute: both must be concrete whole seconds.
  wholeSecondsIn('healthCheckGracePeriod', (p) => p.healthCheckGracePeriod, 300, 3600, 'from 5 to 60 minutes (the boot budget)'),
  wholeSecondsIn('idleTimeout', (p) => p.idleTimeout, 1, 4000, 'from 1 to 4000'),

  // Root volume.
  {
    prop: 'volumeType',
    violated: (p) => p.volumeType !== ec2.EbsDeviceVolumeType.GP3 && p.volumeType !== ec2.EbsDeviceVolumeType.GP2,
    message: (p) => `volumeType must be GP3 or GP2, got ${p.volumeType}`,
  },
  wholeNumberIn('volumeSize', (p) => p.volumeSize, 8, 16384),

  // Capacity: 0 <= min <= desired <= max, max >= 1.
  wholeNumberIn('minCapacity', (p) => p.minCapacity, 0, 1000),
  wholeNumberIn('maxCapacity', (p) => p.maxCapacity, 1, 1000),
  {
    prop: 'minCapacity',
    violated: (p) => known(p.minCapacity) && known(p.maxCapacity) && p.minCapacity > p.maxCapacity,
    message: (p) => `minCapacity (${p.minCapacity}) must not be greater than maxCapacity (${p.maxCapacity})`,
  },
  wholeNumberIn('desiredCapacity', (p) => p.desiredCapacity, 0, 1000),
  {
    prop: 'desiredCapacity',
    violated: (p) => known(p.desiredCapacity) && known(p.minCapacity) && known(p.maxCapacity)
      && (p.desiredCapacity < p.minCapacity || p.desiredCapacity > p.maxCapacity),
    message: (p) => `desiredCapacity must be between minCapacity (${p.minCapacity}) and maxCapacity (${p.maxCapacity}), got ${p.desiredCapacity}`,
  },

  // Scaling thresholds: 0 < in < out < 100.
  percent('scaleOutCpuPercent', (p) => p.scaleOutCpuPercent),
  percent('scaleInCpuPercent', (p) => p.scaleInCpuPercent),
  {
    prop: 'scaleInCpuPercent',
    violated: (p) => known(p.scaleOutCpuPercent) && known(p.scaleInCpuPercent) && p.scaleInCpuPercent >= p.scaleOutCpuPercent,
    message: (p) => `scaleInCpuPercent (${p.scaleInCpuPercent}) must be less than scaleOutCpuPercent (${p.scaleOutCpuPercent})`,
  },

  // Database.
  wholeNumberIn('databaseAllocatedStorage', (p) => p.databaseAllocatedStorage, 20, 65536),
  durationIn('databaseBackupRetention', (p) => p.databaseBackupRetention, (d) => days(d) < 1 || days(d) > 35, 'from 1 to 35 days'),
  durationIn('secretRotation', (p) => p.secretRotation,
    (d) => d.toHours({ integral: false }) < 4 || days(d) > 1000, 'from 4 hours to 1000 days'),
  durationIn('masterSecretRotation', (p) => p.masterSecretRotation,
    (d) => d.toHours({ integral: false }) < 4 || days(d) > 1000, 'from 4 hours to 1000 days'),

  // Upgrades and the way back.
  {
    prop: 'preUpgradeBackupRetention',
    violated: (p) => p.given.preUpgradeBackup === false && p.given.preUpgradeBackupRetention !== undefined,
    message: () => 'preUpgradeBackupRetention applies only to the pre-upgrade backup; leave it out when preUpgradeBackup is false',
  },
  durationIn('preUpgradeBackupRetention', (p) => p.preUpgradeBackupRetention,
    (d) => !Number.isInteger(days(d)) || days(d) < 1 || days(d) > 36500, 'a whole number of days from 1 to 36500'),
  {
    prop: 'upgradeMode',
    violated: (p) => p.upgradeMode === UpgradeMode.EXCLUSIVE && (exclusivePauseSeconds(p) ?? 0) > MAX_PAUSE_SECONDS,
    message: (p) => 'upgradeMode EXCLUSIVE lets a new instance wait for the old ones to drain and shut down '
      + `(${(exclusivePauseSeconds(p)! - p.healthCheckGracePeriod.toSeconds()) / 60} minutes) on top of `
      + 'healthCheckGracePeriod, and CloudFormation waits at most 60 minutes for an instance in a rollout: '
      + `shorten healthCheckGracePeriod (got ${p.healthCheckGracePeriod.toHumanString()})`,
  },
  {
    prop: 'databaseSnapshotIdentifier',
    violated: badSnapshotIdentifier,
    message: (p) => 'databaseSnapshotIdentifier must be an RDS DB snapshot, its name or its ARN (arn:aws:rds:<region>:<account>:snapshot:<name>), '
      + `such as the recovery point ARN of a database backup in AWS Backup; got ${JSON.stringify(p.databaseSnapshotIdentifier)}`,
  },

  // File system backups.
  durationIn('fileSystemBackupRetention', (p) => p.fileSystemBackupRetention,
    (d) => !Number.isInteger(days(d)) || days(d) < 1, 'a whole number of days, at least 1'),

  // File sync.
  wholeNumberIn('syncConcurrency', (p) => p.syncConcurrency, 1, 50),
  {
    prop: 'syncFunctionRuntime',
    violated: (p) => !Token.isUnresolved(p.syncFunctionRuntime.name)
      && (nodeMajorOf(p.syncFunctionRuntime) ?? 0) < SYNC_BUNDLE_NODE_MAJOR,
    message: (p) => `syncFunctionRuntime must be Node.js ${SYNC_BUNDLE_NODE_MAJOR} or later, the version the handler is bundled for, `
      + `got ${p.syncFunctionRuntime.name}`,
  },

  // Alarms: the monitoring catalogue's rules, so they are reported with the rest.
  ...ALARM_RULES.map((rule): DashboardRule => ({
    prop: rule.prop,
    violated: (p) => rule.violated(p.alarms),
    message: (p) => rule.message(p.alarms),
  })),
];

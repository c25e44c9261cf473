import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { DEFAULTS } from './defaults';
import { MANAGED_RULE_GROUPS, RATE_LIMIT_MAX, RATE_LIMIT_MIN, RATE_LIMIT_WINDOWS_SECONDS } from './firewall';
import { instanceSignalBudget } from './fleet';
import { GOVERNANCE_RULES } from './governance-rules';
import { ALARM_RULES } from './monitoring/alarms';
import { NO_EGRESS_NEEDS } from './network';
import type { ResolvedDashboardProps } from './resolved-props';
import { HANDLER_NODE_MAJOR, nodeMajorOf } from './runtime';
import { known, Rule, wholeNumberIn } from './validation';
import { WeekDay } from '../maintenance-window';
import { UpgradeMode } from '../upgrade';

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

/** A duration that, when there is one, must be concrete whole seconds from `min` to `max`. */
function wholeSecondsIn(prop: string, get: (p: Props) => Duration | undefined, min: number, max: number, range: string): DashboardRule {
  return {
    prop,
    violated: (p) => {
      const d = get(p);
      if (d === undefined) return false;
      if (d.isUnresolved()) return true;
      const seconds = d.toSeconds({ integral: false });
      return !Number.isInteger(seconds) || seconds < min || seconds > max;
    },
    message: (p) => {
      const d = get(p)!;
      return `${prop} must be whole seconds ${range}, got ${d.isUnresolved() ? 'a token' : d.toHumanString()}`;
    },
  };
}

const days = (d: Duration) => d.toDays({ integral: false });

/** CloudFormation's longest PauseTime of a rolling update. */
const MAX_PAUSE_SECONDS = 3600;

/** The pause of a rollout in the exclusive mode, in seconds; undefined when not concrete. */
function exclusivePauseSeconds(p: Props): number | undefined {
  if (p.startupTimeout.isUnresolved() || p.drainTime.isUnresolved()) return undefined;
  return instanceSignalBudget(p.startupTimeout, UpgradeMode.EXCLUSIVE, p.drainTime).toSeconds({ integral: false });
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

const MAX_LOGIN_PATHS = 5;
/** The longest search string of an AWS WAF byte match statement. */
const MAX_LOGIN_PATH_LENGTH = 200;

function badLoginPaths(p: Props): string[] {
  const paths = p.firewall?.loginPaths;
  if (paths === undefined || Token.isUnresolved(paths)) return [];
  return paths.filter((path) => !Token.isUnresolved(path) && (!path.startsWith('/') || path.length > MAX_LOGIN_PATH_LENGTH));
}

const RULE_GROUP_NAMES = MANAGED_RULE_GROUPS.map((g) => g.name);
/** A rule name as AWS WAF allows it. */
const RULE_NAME = /^[0-9A-Za-z_-]{1,128}$/;

function badCountedRules(p: Props): string[] {
  const entries = p.firewall?.countedRules;
  if (entries === undefined || Token.isUnresolved(entries)) return [];
  return entries.filter((entry) => {
    if (Token.isUnresolved(entry)) return false;
    const [group, rule, ...rest] = entry.split(':');
    return rest.length > 0 || !RULE_GROUP_NAMES.includes(group) || rule === undefined || !RULE_NAME.test(rule);
  });
}

/** `arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>`. */
const REGIONAL_WEB_ACL_ARN = /^arn:[a-z-]+:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[0-9A-Za-z_-]{1,128}\/[0-9A-Za-z-]+$/;

const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

const windowHours = (p: Props) => (p.maintenanceWindow?.duration ?? DEFAULTS.maintenanceWindowDuration).toHours({ integral: false });

/**
 * The maintenance window opens on the hour (Secrets Manager's windows do), lasts whole hours, at
 * least one for each secret, and closes by midnight UTC. Its values go into cron expressions and
 * a function's settings, so they must be concrete.
 */
const MAINTENANCE_WINDOW_RULES: DashboardRule[] = [
  {
    prop: 'maintenanceWindow.startHour',
    violated: (p) => p.maintenanceWindow !== undefined
      && (Token.isUnresolved(p.maintenanceWindow.startHour) || !Number.isInteger(p.maintenanceWindow.startHour)
        || p.maintenanceWindow.startHour < 0 || p.maintenanceWindow.startHour > 22),
    message: (p) => `maintenanceWindow.startHour must be a whole hour from 0 to 22 (UTC), got ${p.maintenanceWindow!.startHour}`,
  },
  {
    prop: 'maintenanceWindow.duration',
    violated: (p) => p.maintenanceWindow?.duration !== undefined
      && (p.maintenanceWindow.duration.isUnresolved() || !Number.isInteger(windowHours(p)) || windowHours(p) < 2),
    message: (p) => `maintenanceWindow.duration must be whole hours, at least 2 (an hour for each secret's rotation), got ${
      p.maintenanceWindow!.duration!.isUnresolved() ? 'a token' : p.maintenanceWindow!.duration!.toHumanString()}`,
  },
  {
    prop: 'maintenanceWindow.duration',
    violated: (p) => p.maintenanceWindow !== undefined && known(p.maintenanceWindow.startHour)
      && !(p.maintenanceWindow.duration?.isUnresolved() ?? false) && p.maintenanceWindow.startHour + windowHours(p) > 24,
    message: (p) => 'maintenanceWindow.duration must end the window by midnight UTC, as Secrets Manager\'s rotation windows do: '
      + `${p.maintenanceWindow!.startHour}:00 plus ${windowHours(p)} hours ends after 24:00`,
  },
  {
    prop: 'maintenanceWindow.day',
    violated: (p) => p.maintenanceWindow !== undefined && !Object.values(WeekDay).includes(p.maintenanceWindow.day),
    message: (p) => `maintenanceWindow.day must be a WeekDay, got ${p.maintenanceWindow!.day}`,
  },
];

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
  {
    prop: 'loadBalancerSubnets',
    violated: (p) => p.vpc !== undefined && !p.loadBalancerSubnets && p.vpc.publicSubnets.length === 0,
    message: () => 'loadBalancerSubnets: the vpc has no public subnets for the internet-facing load balancer; give loadBalancerSubnets',
  },
  {
    prop: 'fleetSubnets',
    violated: (p) => p.vpc !== undefined && !p.fleetSubnets && p.vpc.privateSubnets.length === 0,
    message: () => 'fleetSubnets: the vpc has no private subnets with egress (a NAT gateway) for the instances and functions, so a '
      + `deploy would hang until its timeouts. Without a NAT gateway they need ${NO_EGRESS_NEEDS} Once the VPC has them, give `
      + 'fleetSubnets explicitly (e.g. the isolated subnets).',
  },
  {
    prop: 'secretsManagerEndpointSecurityGroup',
    violated: (p) => p.secretsManagerEndpointSecurityGroup !== undefined && (p.vpc === undefined || p.secretsManagerEndpoint === true),
    message: () => 'secretsManagerEndpointSecurityGroup names the endpoint a given vpc already has: give it with vpc, and without '
      + 'secretsManagerEndpoint: true (which creates one)',
  },

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
  // The boot budget is counted down on the instance, the idle timeout and the drain time are
  // load balancer attributes that the rollout timings add up: all must be concrete whole seconds.
  wholeSecondsIn('startupTimeout', (p) => p.startupTimeout, 300, 3600, 'from 5 to 60 minutes (the boot budget)'),
  wholeSecondsIn('idleTimeout', (p) => p.idleTimeout, 1, 4000, 'from 1 to 4000'),
  wholeSecondsIn('drainTime', (p) => p.given.drainTime, 0, 3600, 'from 0 to 3600'),

  // Web application firewall (its settings are there only when it is on): the construct's own,
  // or the ARN of one to associate.
  wholeNumberIn('firewall.loginRateLimit', (p) => p.firewall?.loginRateLimit, RATE_LIMIT_MIN, RATE_LIMIT_MAX),
  wholeNumberIn('firewall.siteRateLimit', (p) => p.firewall?.siteRateLimit, RATE_LIMIT_MIN, RATE_LIMIT_MAX),
  {
    prop: 'firewall.rateLimitWindow',
    violated: (p) => {
      const d = p.firewall?.rateLimitWindow;
      return d !== undefined && !d.isUnresolved() && !RATE_LIMIT_WINDOWS_SECONDS.includes(d.toSeconds({ integral: false }));
    },
    message: (p) => `firewall.rateLimitWindow must be 1, 2, 5 or 10 minutes, got ${p.firewall!.rateLimitWindow.toHumanString()}`,
  },
  {
    prop: 'firewall.loginPaths',
    violated: (p) => {
      const paths = p.firewall?.loginPaths;
      return paths !== undefined && !Token.isUnresolved(paths) && (paths.length < 1 || paths.length > MAX_LOGIN_PATHS);
    },
    message: (p) => `firewall.loginPaths must have 1 to ${MAX_LOGIN_PATHS} paths, got ${p.firewall!.loginPaths.length}`,
  },
  {
    prop: 'firewall.loginPaths',
    violated: (p) => badLoginPaths(p).length > 0,
    message: (p) => `firewall.loginPaths must each start with '/' and have at most ${MAX_LOGIN_PATH_LENGTH} characters, got ${quoted(badLoginPaths(p))}`,
  },
  {
    prop: 'firewall.countedRules',
    violated: (p) => badCountedRules(p).length > 0,
    message: (p) => `firewall.countedRules must each be '<rule group>:<rule>' with a rule group of the firewall (${RULE_GROUP_NAMES.join(', ')}), `
      + `got ${quoted(badCountedRules(p))}`,
  },
  {
    prop: 'webAclArn',
    violated: (p) => p.webAclArn !== undefined && p.firewall !== undefined,
    message: () => 'webAclArn and firewall exclude each other: associate your own web ACL, or let this construct create the firewall',
  },
  {
    prop: 'webAclArn',
    violated: (p) => p.webAclArn !== undefined && !Token.isUnresolved(p.webAclArn) && !REGIONAL_WEB_ACL_ARN.test(p.webAclArn),
    message: (p) => 'webAclArn must be the ARN of a regional AWS WAF web ACL (arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>), '
      + `got ${p.webAclArn}${/:global\//.test(p.webAclArn!) ? ': a CloudFront (global) web ACL cannot protect a load balancer' : ''}`,
  },

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
  // Both rotations happen in the weekly maintenance window: no period shorter than a week.
  durationIn('secretRotation', (p) => p.secretRotation,
    (d) => days(d) < 7 || days(d) > 1000, 'from 7 to 1000 days (rotations happen in the weekly maintenanceWindow)'),
  durationIn('masterSecretRotation', (p) => p.masterSecretRotation,
    (d) => days(d) < 7 || days(d) > 1000, 'from 7 to 1000 days (rotations happen in the weekly maintenanceWindow)'),
  ...MAINTENANCE_WINDOW_RULES,

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
      + `(${(exclusivePauseSeconds(p)! - p.startupTimeout.toSeconds()) / 60} minutes) on top of `
      + 'startupTimeout, and CloudFormation waits at most 60 minutes for an instance in a rollout: '
      + `shorten startupTimeout or drainTime (got ${p.startupTimeout.toHumanString()} and ${p.drainTime.toHumanString()})`,
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
      && (nodeMajorOf(p.syncFunctionRuntime) ?? 0) < HANDLER_NODE_MAJOR,
    message: (p) => `syncFunctionRuntime must be Node.js ${HANDLER_NODE_MAJOR} or later, the version the handler is bundled for, `
      + `got ${p.syncFunctionRuntime.name}`,
  },

  // Alarms: the monitoring catalogue's rules, so they are reported with the rest.
  {
    prop: 'alarms.firewallBlockedRequests',
    violated: (p) => p.alarms?.firewallBlockedRequests?.enabled === true && p.firewall === undefined,
    message: () => 'alarms.firewallBlockedRequests watches the firewall this construct creates: set firewall too '
      + '(a web ACL given with webAclArn reports to its owner\'s metrics)',
  },
  ...ALARM_RULES.map((rule): DashboardRule => ({
    prop: rule.prop,
    violated: (p) => rule.violated(p.alarms),
    message: (p) => rule.message(p.alarms),
  })),

  // Organisational choices of governed accounts.
  ...GOVERNANCE_RULES,
];

// The `@default` a user reads in the API docs is the value DEFAULTS gives the construct.
import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DASHBOARD_DEFAULTS, DEFAULTS } from '../src/private/defaults';
import { resolveDashboardProps } from '../src/private/resolved-props';
import { UpgradeMode } from '../src/upgrade';

type DefaultName = keyof typeof DEFAULTS;

/** Each optional prop of `iface` in `file` whose `@default` is a value (not `- words`), with that text. */
function documentedDefaults(file: string, iface: string): Array<[string, string]> {
  const source = readFileSync(join(__dirname, '..', file), 'utf8');
  const start = source.indexOf(`export interface ${iface} `);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  return [...body.matchAll(/@default (?!-)([^\n]+)\n(?:\s*\*[^\n]*\n)*?\s*\*\/\s*readonly (\w+)\?/g)].map((m) => [m[2], m[1].trim()]);
}

const MODULES: Record<string, unknown> = { ec2, elbv2, lambda, logs, RemovalPolicy, UpgradeMode };

/** The value a `@default` text names, in a form comparable with a DEFAULTS entry. */
function valueOf(text: string): unknown {
  const literal = /^(-?\d+(?:\.\d+)?|true|false|'[^']*')$/.exec(text);
  if (literal) return literal[1].startsWith("'") ? literal[1].slice(1, -1) : JSON.parse(literal[1]);
  const strings = /^\[('[^']*'(?:, '[^']*')*)\]$/.exec(text);
  if (strings) return strings[1].split(', ').map((item) => item.slice(1, -1));
  const duration = /^Duration\.(days|hours|minutes)\((\d+)\)$/.exec(text);
  if (duration) return (Duration as any)[duration[1]](Number(duration[2])).toSeconds();
  const instanceType = /^([a-z0-9]+\.[a-z0-9]+)(?: \(.*\))?$/.exec(text);
  if (instanceType) return instanceType[1];
  const member = /^([A-Za-z0-9.]+[A-Z0-9_]+)(?: \(.*\))?$/.exec(text);
  if (member) {
    const value = member[1].split('.').reduce((obj: any, key) => obj?.[key], MODULES);
    if (value !== undefined) return comparable(value);
  }
  throw new Error(`cannot read the @default text "${text}"`);
}

function comparable(value: unknown): unknown {
  if (value instanceof Duration) return value.toSeconds();
  if (value instanceof ec2.InstanceType) return value.toString();
  if (value instanceof lambda.Runtime) return value.name;
  return value;
}

describe('documented defaults are the defaults used', () => {
  const cases: Array<[string, string, Record<string, DefaultName>]> = [
    ['src/backup.ts', 'FileSystemBackupProps', { retention: 'fileSystemBackupRetention', removalPolicy: 'statefulRemovalPolicy' }],
    ['src/access-logs.ts', 'LoadBalancerAccessLogsProps',
      { prefix: 'accessLogsPrefix', retention: 'accessLogsRetention', removalPolicy: 'statefulRemovalPolicy' }],
    ['src/props.ts', 'DashboardFirewallOptions', {
      enabled: 'firewallEnabled',
      loginRateLimit: 'firewallLoginRateLimit',
      siteRateLimit: 'firewallSiteRateLimit',
      rateLimitWindow: 'firewallRateLimitWindow',
      loginPaths: 'firewallLoginPaths',
    }],
  ];

  test('each documented value of the dashboard is a default its props resolve to', () => {
    const documented = documentedDefaults('src/props.ts', 'PanintelligenceDashboardProps');
    const resolved = resolveDashboardProps({ machineImage: ec2.MachineImage.latestAmazonLinux2023() }) as unknown as Record<string, unknown>;
    expect(documented.map(([prop]) => prop).sort()).toEqual(Object.keys(DASHBOARD_DEFAULTS).sort());
    for (const [prop, text] of documented) {
      expect({ prop, documented: valueOf(text) }).toEqual({ prop, documented: comparable(resolved[prop]) });
    }
  });

  test.each(cases)('%s %s', (file, iface, names) => {
    const documented = documentedDefaults(file, iface);
    expect(documented.length).toBeGreaterThan(0);
    for (const [prop, text] of documented) {
      const name = (names[prop] ?? prop) as DefaultName;
      expect({ prop, documented: valueOf(text) }).toEqual({ prop, documented: comparable(DEFAULTS[name]) });
    }
  });

  test('the dashboard documents a value for each of its plain defaults', () => {
    const documented = new Set(documentedDefaults('src/props.ts', 'PanintelligenceDashboardProps').map(([prop]) => prop));
    for (const prop of ['natGateways', 'volumeSize', 'minCapacity', 'maxCapacity', 'scaleOutCpuPercent', 'scaleInCpuPercent',
      'databaseAllocatedStorage', 'databaseBackupRetention', 'secretRotation', 'fileSystemBackupRetention',
      'preUpgradeBackup', 'preUpgradeBackupRetention', 'upgradeMode']) {
      expect(documented).toContain(prop);
    }
  });

  test('a given value wins over its default', () => {
    const machineImage = ec2.MachineImage.latestAmazonLinux2023();
    const resolved = resolveDashboardProps({ machineImage, minCapacity: 0, databaseMultiAz: false, outputs: false });
    expect([resolved.minCapacity, resolved.databaseMultiAz, resolved.outputs, resolved.maxCapacity]).toEqual([0, false, false, DEFAULTS.maxCapacity]);
  });

  test('a wrong @default is caught', () => {
    expect(valueOf('Duration.days(7)')).not.toEqual(comparable(DEFAULTS.secretRotation));
    expect(valueOf('t3a.large')).not.toEqual(comparable(DEFAULTS.instanceType));
    expect(valueOf('logs.RetentionDays.ONE_MONTH')).not.toEqual(comparable(DEFAULTS.logRetention));
    expect(valueOf("['/pi/auth/']")).not.toEqual(comparable(DEFAULTS.firewallLoginPaths));
  });
});

describe('resolved props', () => {
  const machineImage = ec2.MachineImage.latestAmazonLinux2023();

  test.each([
    // removalPolicy, database, file system / buckets / vault, every log group
    [undefined, RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN, undefined],
    [RemovalPolicy.SNAPSHOT, RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN, undefined],
    [RemovalPolicy.RETAIN, RemovalPolicy.RETAIN, RemovalPolicy.RETAIN, undefined],
    [RemovalPolicy.DESTROY, RemovalPolicy.DESTROY, RemovalPolicy.DESTROY, RemovalPolicy.DESTROY],
  ])('removalPolicy %s: database %s, stateful %s, logs %s', (removalPolicy, database, stateful, logGroups) => {
    expect(resolveDashboardProps({ machineImage, removalPolicy }).removal).toEqual({ database, stateful, logs: logGroups });
  });

  test('the Secrets Manager endpoint is made by default only in a VPC made here', () => {
    const vpc = ec2.Vpc.fromVpcAttributes(new Stack(), 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['a'] });
    expect(resolveDashboardProps({ machineImage }).secretsManagerEndpoint).toBe(true);
    expect(resolveDashboardProps({ machineImage, vpc }).secretsManagerEndpoint).toBe(false);
    expect(resolveDashboardProps({ machineImage, vpc, secretsManagerEndpoint: true }).secretsManagerEndpoint).toBe(true);
    expect(resolveDashboardProps({ machineImage, secretsManagerEndpoint: false }).secretsManagerEndpoint).toBe(false);
  });

  test('the props as written stay readable, for the rules about a prop being given', () => {
    const props = { machineImage, natGateways: 2 };
    expect(resolveDashboardProps(props).given).toBe(props);
    expect(resolveDashboardProps({ machineImage }).given.natGateways).toBeUndefined();
  });
});

// AWS's CloudFormation linter on the synthesized templates: no error for the default, DESTROY,
// customised, firewall, existing-web-ACL and organisational dashboards. W3005 (a redundant DependsOn) is aws-cdk-lib's own output, and W3010
// flags the Availability Zone names that a synth without an account has to make up.
//
// The library's functions run on the newest Node.js runtime that aws-cdk-lib knows
// (src/private/runtime.ts). A newer aws-cdk-lib than the linter may know a runtime that the
// linter's list of runtimes (E3030) does not have yet; only that one finding is let through, so
// the test still fails on any other value and on every other error.
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { build, customised, defaults, organisational, withExistingWebAcl, withFirewall } from '../fixtures/scenarios';
import { WeekDay } from '../src';

function cfnLintAvailable(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** cfn-lint's exit status is a bit mask; the bit of value 2 means at least one error. */
function reportsErrors(status: number | null): boolean {
  return Math.floor((status ?? 0) / 2) % 2 === 1;
}

/** An E3030 finding on a runtime that aws-cdk-lib knows and the linter does not list yet. */
function runtimeNewerThanLinter(line: string): boolean {
  const match = /:E3030:'(nodejs\d+\.x)' is not one of \[(.*)\]$/.exec(line);
  return match !== null && lambda.Runtime.ALL.some((runtime) => runtime.name === match[1]) && !match[2].includes(`'${match[1]}'`);
}

const available = cfnLintAvailable();
if (!available) {
  // eslint-disable-next-line no-console
  console.warn('cfn-lint is not on PATH: the CloudFormation linter tests are skipped');
}

const scenarios = {
  'default': defaults,
  'destroy': (stack: Parameters<typeof defaults>[0]) => ({ ...defaults(stack), removalPolicy: RemovalPolicy.DESTROY }),
  'retain': (stack: Parameters<typeof defaults>[0]) => ({ ...defaults(stack), removalPolicy: RemovalPolicy.RETAIN }),
  // An encrypted alarm topic, among the rest.
  customised,
  'firewall': withFirewall,
  'existingWebAcl': withExistingWebAcl,
  // Every prop an organisation sets for a governed account: one KMS key, a year of logs, and so on.
  organisational,
  // A window set by props, an imported alarm topic, an imported VPC with public and isolated
  // subnets only (fleet in the isolated ones) and an existing Secrets Manager endpoint.
  'no-nat': (stack: Parameters<typeof defaults>[0]) => ({
    ...defaults(stack),
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-2a', 'eu-west-2b'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      isolatedSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    }),
    fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    secretsManagerEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Endpoint', 'sg-0123456789abcdef0'),
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-2:123456789012:ops-alarms'),
    maintenanceWindow: { day: WeekDay.WEDNESDAY, startHour: 20, duration: Duration.hours(3) },
  }),
};

(available ? describe : describe.skip)('cfn-lint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(Object.keys(scenarios))('the %s template has no error', (name) => {
    const { stack } = build(scenarios[name as keyof typeof scenarios]);
    const file = join(dir, `${name}.template.json`);
    writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', '-i', 'W3005', 'W3010', '--', file], { encoding: 'utf8' });
    const errors = result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    const newerRuntimes = errors.filter(runtimeNewerThanLinter);
    expect(errors.filter((line) => !newerRuntimes.includes(line))).toEqual([]);
    expect(reportsErrors(result.status)).toBe(newerRuntimes.length > 0);
  });

  test('a runtime is let through only when aws-cdk-lib knows it and the linter does not', () => {
    const known = lambda.Runtime.ALL.find((runtime) => /^nodejs\d+\.x$/.test(runtime.name))!.name;
    expect(runtimeNewerThanLinter(`f.json:1:1:1:2:E3030:'${known}' is not one of ['nodejs4.3']`)).toBe(true);
    expect(runtimeNewerThanLinter(`f.json:1:1:1:2:E3030:'${known}' is not one of ['${known}']`)).toBe(false);
    expect(runtimeNewerThanLinter("f.json:1:1:1:2:E3030:'nodejs99.x' is not one of ['nodejs4.3']")).toBe(false);
    expect(runtimeNewerThanLinter("f.json:1:1:1:2:E3030:'gp4' is not one of ['gp3']")).toBe(false);
  });

  test('the firewall is linted too: a rate limit below what AWS WAF accepts fails', () => {
    const template = Template.fromStack(build(withFirewall).stack).toJSON();
    const acl: any = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::WAFv2::WebACL');
    acl.Properties.Rules.find((r: any) => r.Name === 'LoginRateLimit').Statement.RateBasedStatement.Limit = 5;
    const file = join(dir, 'bad-rate-limit.template.json');
    writeFileSync(file, JSON.stringify(template));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', '-i', 'W3005', 'W3010', '--', file], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/:E3034:5 is less than the minimum of 10/);
    expect(reportsErrors(result.status)).toBe(true);
  });

  test('an error is reported: a template with a bad engine version fails', () => {
    const { stack } = build(defaults);
    const template = Template.fromStack(stack).toJSON();
    const [id] = Object.entries(template.Resources).find(([, r]: [string, any]) => r.Type === 'AWS::RDS::DBInstance')!;
    delete template.Resources[id].Metadata['cfn-lint'];
    const file = join(dir, 'without-ignore.template.json');
    writeFileSync(file, JSON.stringify(template));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', '-i', 'W3005', 'W3010', '--', file], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/:E3691:/);
    expect(reportsErrors(result.status)).toBe(true);
  });
});

import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { HANDLER_NODE_TARGET } from '../projenrc/bundles';
import { PanintelligenceDashboardProps, UpgradeMode } from '../src';
import { synth } from './util';
import { HANDLER_NODE_MAJOR } from '../src/private/runtime';
import { Rule, validate, ValidationError, wholeNumberIn } from '../src/private/validation';

const CERT_ARN = 'arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function refused(overrides: (stack: Stack) => Partial<PanintelligenceDashboardProps>, message: RegExp) {
  expect(() => synth(overrides)).toThrow(message);
}

describe('bad props are refused with the prop and the allowed values', () => {
  test.each([
    [{ scaleOutCpuPercent: 100 }, /scaleOutCpuPercent must be greater than 0 and less than 100, got 100/],
    [{ scaleOutCpuPercent: 0 }, /scaleOutCpuPercent must be greater than 0 and less than 100, got 0/],
    [{ scaleInCpuPercent: -5 }, /scaleInCpuPercent must be greater than 0 and less than 100, got -5/],
    [{ scaleInCpuPercent: 70, scaleOutCpuPercent: 70 }, /scaleInCpuPercent \(70\) must be less than scaleOutCpuPercent \(70\)/],
    [{ scaleInCpuPercent: 80 }, /scaleInCpuPercent \(80\) must be less than scaleOutCpuPercent \(70\)/],
    [{ minCapacity: 6 }, /minCapacity \(6\) must not be greater than maxCapacity \(5\)/],
    [{ minCapacity: 3, maxCapacity: 2 }, /minCapacity \(3\) must not be greater than maxCapacity \(2\)/],
    [{ minCapacity: 1.5 }, /minCapacity must be a whole number from 0 to 1000, got 1.5/],
    [{ maxCapacity: 0, minCapacity: 0 }, /maxCapacity must be a whole number from 1 to 1000, got 0/],
    [{ desiredCapacity: 6 }, /desiredCapacity must be between minCapacity \(1\) and maxCapacity \(5\), got 6/],
    [{ desiredCapacity: 1, minCapacity: 2 }, /desiredCapacity must be between minCapacity \(2\) and maxCapacity \(5\), got 1/],
    [{ volumeSize: 7 }, /volumeSize must be a whole number from 8 to 16384, got 7/],
    [{ volumeSize: 16385 }, /volumeSize must be a whole number from 8 to 16384, got 16385/],
    [{ volumeType: ec2.EbsDeviceVolumeType.IO1 }, /volumeType must be GP3 or GP2, got io1/],
    [{ volumeType: ec2.EbsDeviceVolumeType.ST1 }, /volumeType must be GP3 or GP2, got st1/],
    [{ databaseAllocatedStorage: 10 }, /databaseAllocatedStorage must be a whole number from 20 to 65536, got 10/],
    [{ databaseBackupRetention: Duration.days(0) }, /databaseBackupRetention must be from 1 to 35 days, got 0 days/],
    [{ databaseBackupRetention: Duration.days(36) }, /databaseBackupRetention must be from 1 to 35 days, got 36 days/],
    [{ secretRotation: Duration.hours(1) }, /secretRotation must be from 7 to 1000 days \(rotations happen in the weekly maintenanceWindow\), got 1 hour/],
    [{ secretRotation: Duration.days(1001) }, /secretRotation must be from 7 to 1000 days \(rotations happen in the weekly maintenanceWindow\), got 1001 days/],
    [{ masterSecretRotation: Duration.hours(3) }, /masterSecretRotation must be from 7 to 1000 days \(rotations happen in the weekly maintenanceWindow\), got 3 hours/],
    [{ masterSecretRotation: Duration.days(1001) }, /masterSecretRotation must be from 7 to 1000 days \(rotations happen in the weekly maintenanceWindow\), got 1001 days/],
    [{ natGateways: 0 }, /natGateways must be a whole number from 1 to 2, got 0/],
    [{ natGateways: 3 }, /natGateways must be a whole number from 1 to 2, got 3/],
    [{ drainTime: Duration.seconds(3601) }, /drainTime must be whole seconds from 0 to 3600, got 1 hour 1 second/],
    [{ healthCheckPath: 'pi/version' }, /healthCheckPath must start with '\/', got 'pi\/version'/],
    [{ preUpgradeBackupRetention: Duration.days(0) }, /preUpgradeBackupRetention must be a whole number of days from 1 to 36500, got 0 days/],
    [{ preUpgradeBackupRetention: Duration.hours(36) }, /preUpgradeBackupRetention must be a whole number of days from 1 to 36500, got 1 day 12 hours/],
    [{ preUpgradeBackupRetention: Duration.days(36501) }, /preUpgradeBackupRetention must be a whole number of days from 1 to 36500, got 36501 days/],
    [{ preUpgradeBackup: false, preUpgradeBackupRetention: Duration.days(7) },
      /preUpgradeBackupRetention applies only to the pre-upgrade backup; leave it out when preUpgradeBackup is false/],
    [{ upgradeMode: UpgradeMode.EXCLUSIVE, startupTimeout: Duration.minutes(57) },
      /upgradeMode EXCLUSIVE lets a new instance wait for the old ones to drain and shut down \(13 minutes\) on top of startupTimeout, .* at most 60 minutes .*: shorten startupTimeout or drainTime \(got 57 minutes and 10 minutes\)/],
    [{ databaseSnapshotIdentifier: '' }, /databaseSnapshotIdentifier must be an RDS DB snapshot, its name or its ARN .*; got ""/],
    [{ databaseSnapshotIdentifier: 'arn:aws:backup:eu-west-2:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45' },
      /databaseSnapshotIdentifier must be an RDS DB snapshot/],
    [{ databaseSnapshotIdentifier: 'arn:aws:rds:eu-west-2:123456789012:cluster-snapshot:awsbackup:job-1' }, /databaseSnapshotIdentifier must be an RDS DB snapshot/],
    [{ databaseSnapshotIdentifier: 'my snapshot' }, /databaseSnapshotIdentifier must be an RDS DB snapshot/],
    [{ databaseSnapshotIdentifier: '1st-snapshot' }, /databaseSnapshotIdentifier must be an RDS DB snapshot/],
    [{ databasePort: 1149 }, /databasePort must be a whole number from 1150 to 65535, got 1149/],
    [{ databasePort: 65536 }, /databasePort must be a whole number from 1150 to 65535, got 65536/],
    [{ databasePort: 3306.5 }, /databasePort must be a whole number from 1150 to 65535, got 3306.5/],
    [{ databaseMonitoringInterval: Duration.seconds(20) },
      /databaseMonitoringInterval must be 1, 5, 10, 15, 30, 60 seconds \(what RDS Enhanced Monitoring offers\), got 20 seconds/],
    [{ databaseMonitoringInterval: Duration.minutes(2) }, /databaseMonitoringInterval must be 1, 5, 10, 15, 30, 60 seconds/],
    [{ additionalInstanceTypes: [new ec2.InstanceType('m7g.large')] },
      /additionalInstanceTypes must be x86_64 types, like the dashboard's AMI \(no Graviton build\), got m7g.large/],
    [{ additionalInstanceTypes: [new ec2.InstanceType('t3.medium'), new ec2.InstanceType('t3.medium')] },
      /additionalInstanceTypes must not repeat a type, nor instanceType/],
    [{ additionalInstanceTypes: [new ec2.InstanceType('t3a.medium')] }, /additionalInstanceTypes must not repeat a type, nor instanceType/],
    [{ cpuCredits: ec2.CpuCredits.STANDARD, additionalInstanceTypes: [new ec2.InstanceType('t3.medium'), new ec2.InstanceType('m5.large')] },
      /additionalInstanceTypes must be burstable \(T\) types when cpuCredits is given, got m5.large/],
    [{ additionalInstanceTypes: Array.from({ length: 40 }, (_, i) => new ec2.InstanceType(`m5.${i + 1}xlarge`)) },
      /additionalInstanceTypes may list at most 39 types \(a mixed instances policy takes 40 with instanceType\), got 40/],
  ] as Array<[Partial<PanintelligenceDashboardProps>, RegExp]>)('%o', (props, message) => {
    refused(() => props, message);
  });

  test.each([lambda.Runtime.NODEJS_22_X, lambda.Runtime.PYTHON_3_13])('syncFunctionRuntime %s is older than the bundle or not Node.js', (runtime) => {
    refused(() => ({ syncFunctionRuntime: runtime }), new RegExp(`syncFunctionRuntime must be Node.js 24 or later, the version the handler is bundled for, got ${runtime.name}`));
  });

  test('the bundle\'s Node.js target is the one the rule names', () => {
    expect(HANDLER_NODE_TARGET).toBe(`node${HANDLER_NODE_MAJOR}`);
  });

  test.each([
    'arn:aws:rds:eu-west-2:123456789012:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453',
    'awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453',
    'dashboard-before-2026-2',
    'arn:aws-us-gov:rds:us-gov-west-1:123456789012:snapshot:manual-1',
  ])('databaseSnapshotIdentifier %s is accepted', (databaseSnapshotIdentifier) => {
    expect(() => synth(() => ({ databaseSnapshotIdentifier }))).not.toThrow();
  });

  test('the exclusive mode accepts a boot budget, drain and shutdown of 60 minutes together', () => {
    expect(() => synth(() => ({ upgradeMode: UpgradeMode.EXCLUSIVE, startupTimeout: Duration.minutes(47) }))).not.toThrow();
    expect(() => synth(() => ({ upgradeMode: UpgradeMode.EXCLUSIVE, startupTimeout: Duration.minutes(56), drainTime: Duration.minutes(1) })))
      .not.toThrow();
    expect(() => synth(() => ({ upgradeMode: UpgradeMode.EXCLUSIVE, startupTimeout: Duration.minutes(48) }))).toThrow(/upgradeMode EXCLUSIVE/);
  });

  test('natGateways with a given VPC', () => {
    refused((s) => ({ vpc: new ec2.Vpc(s, 'Mine'), natGateways: 2 }), /natGateways applies only to the VPC created by this construct/);
  });

  test('no certificate and no domain', () => {
    refused(() => ({ domainName: undefined, hostedZone: undefined }), /give a certificate, or both domainName and hostedZone/);
  });

  test('a domain without a zone and without a certificate', () => {
    refused(() => ({ hostedZone: undefined }), /give a certificate, or both domainName and hostedZone/);
  });

  test('a hosted zone without a domain', () => {
    refused((s) => ({ domainName: undefined, certificate: acm.Certificate.fromCertificateArn(s, 'C', CERT_ARN) }), /hostedZone needs domainName/);
  });

  test('a domain outside the hosted zone', () => {
    refused(() => ({ domainName: 'bi.example.org' }), /domainName bi.example.org is not inside hostedZone example.com/);
    refused(() => ({ domainName: 'notexample.com' }), /domainName notexample.com is not inside hostedZone example.com/);
  });

  test('the error names the construct path', () => {
    refused(() => ({ minCapacity: 9 }), /PanintelligenceDashboard Test\/Dashboard: minCapacity/);
  });

  test('every violated rule is reported in one error, each naming its prop', () => {
    let error: unknown;
    try {
      synth(() => ({
        scaleOutCpuPercent: 120,
        minCapacity: 7,
        volumeSize: 4,
        volumeType: ec2.EbsDeviceVolumeType.IO1,
        databaseBackupRetention: Duration.days(40),
        healthCheckPath: 'pi',
        domainName: 'bi.example.org',
      }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const { message, violations } = error as ValidationError;
    expect(message.split('\n')[0]).toBe('PanintelligenceDashboard Test/Dashboard: 7 invalid props:');
    expect([...violations].sort()).toEqual([
      'domainName bi.example.org is not inside hostedZone example.com',
      "healthCheckPath must start with '/', got 'pi'",
      'volumeType must be GP3 or GP2, got io1',
      'volumeSize must be a whole number from 8 to 16384, got 4',
      'minCapacity (7) must not be greater than maxCapacity (5)',
      'scaleOutCpuPercent must be greater than 0 and less than 100, got 120',
      'databaseBackupRetention must be from 1 to 35 days, got 40 days',
    ].sort());
    for (const violation of violations) {
      expect(message).toContain(`\n  - ${violation}`);
    }
  });
});

test('alarm settings are reported together with the other props', () => {
  expect(() => synth(() => ({ minCapacity: 9, alarms: { databaseCpu: { threshold: 101 } } })))
    .toThrow('PanintelligenceDashboard Test/Dashboard: 2 invalid props:\n'
      + '  - minCapacity (9) must not be greater than maxCapacity (5)\n'
      + '  - alarms.databaseCpu.threshold must be <= 100 (got 101)');
});

describe('the rule runner', () => {
  const rules: Array<Rule<{ a?: number; b?: number }>> = [
    wholeNumberIn('a', (p) => p.a, 1, 3),
    { prop: 'b', violated: (p) => p.b !== undefined && p.b > (p.a ?? 0), message: (p) => `b (${p.b}) must not exceed a` },
  ];

  test('passes when no rule is violated', () => {
    expect(() => validate('Thing Stack/Thing', { a: 2, b: 1 }, rules)).not.toThrow();
  });

  test('one violation: one line naming the owner and the prop', () => {
    expect(() => validate('Thing Stack/Thing', { a: 5 }, rules)).toThrow(/^Thing Stack\/Thing: a must be a whole number from 1 to 3, got 5$/);
  });

  test('several violations: all of them, in the order of the rules', () => {
    expect(() => validate('Thing Stack/Thing', { a: 0.5, b: 2 }, rules))
      .toThrow('Thing Stack/Thing: 2 invalid props:\n  - a must be a whole number from 1 to 3, got 0.5\n  - b (2) must not exceed a');
  });

  test('unresolved numbers are not range-checked', () => {
    expect(() => validate('Thing Stack/Thing', { a: Token.asNumber({ Ref: 'A' }) }, rules)).not.toThrow();
  });
});

describe('edge cases', () => {
  test('the zone apex, a trailing dot and upper case are inside the zone', () => {
    expect(() => synth(() => ({ domainName: 'example.com' }))).not.toThrow();
    expect(() => synth(() => ({ domainName: 'BI.Example.com.' }))).not.toThrow();
  });

  test('a zone imported by id only is refused: the record and the check need its name', () => {
    expect(() => synth((s) => ({ hostedZone: route53.HostedZone.fromHostedZoneId(s, 'ById', 'Z999') }))).toThrow(/fromHostedZoneAttributes/);
  });

  test('unresolved tokens are not range-checked', () => {
    expect(() => synth(() => ({
      minCapacity: Token.asNumber({ Ref: 'Min' }),
      maxCapacity: Token.asNumber({ Ref: 'Max' }),
      volumeSize: Token.asNumber({ Ref: 'Size' }),
      databaseAllocatedStorage: Token.asNumber({ Ref: 'Storage' }),
      domainName: Token.asString({ Ref: 'Domain' }),
    }))).not.toThrow();
  });

  test('a volume below 15 GiB is accepted with a warning that names volumeSize', () => {
    const { stack } = synth(() => ({ volumeSize: 10 }));
    Annotations.fromStack(stack).hasWarning('/Test/Dashboard', Match.stringLikeRegexp('volumeSize 10 GiB is below the recommended 15 GiB'));
  });

  test('the default volume gives no warning', () => {
    const { stack } = synth();
    Annotations.fromStack(stack).hasNoWarning('/Test/Dashboard', Match.stringLikeRegexp('volumeSize'));
  });

  test('Node.js 24 and later runtimes are accepted for the sync function', () => {
    expect(() => synth(() => ({ syncFunctionRuntime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS) }))).not.toThrow();
    expect(() => synth(() => ({ syncFunctionRuntime: new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS) }))).not.toThrow();
  });

  test('boundaries are inclusive where documented', () => {
    expect(() => synth(() => ({ volumeSize: 8, minCapacity: 0, desiredCapacity: 0, natGateways: 2 }))).not.toThrow();
    expect(() => synth(() => ({ volumeSize: 16384, databaseBackupRetention: Duration.days(35), secretRotation: Duration.days(7) }))).not.toThrow();
    expect(() => synth(() => ({ masterSecretRotation: Duration.days(7) }))).not.toThrow();
    expect(() => synth(() => ({ masterSecretRotation: Duration.days(1000) }))).not.toThrow();
  });
});

describe('the firewall and the web ACL are refused with the prop and what AWS WAF accepts', () => {
  const ACL = 'arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/central-bi/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

  test.each([
    [{ firewall: { loginRateLimit: 9 } }, /firewall\.loginRateLimit must be a whole number from 10 to 2000000000, got 9/],
    [{ firewall: { loginRateLimit: 2_000_000_001 } }, /firewall\.loginRateLimit must be a whole number from 10 to 2000000000, got 2000000001/],
    [{ firewall: { siteRateLimit: 99.5 } }, /firewall\.siteRateLimit must be a whole number from 10 to 2000000000, got 99.5/],
    [{ firewall: { siteRateLimit: 0 } }, /firewall\.siteRateLimit must be a whole number from 10 to 2000000000, got 0/],
    [{ firewall: { rateLimitWindow: Duration.minutes(3) } }, /firewall\.rateLimitWindow must be 1, 2, 5 or 10 minutes, got 3 minutes/],
    [{ firewall: { rateLimitWindow: Duration.seconds(30) } }, /firewall\.rateLimitWindow must be 1, 2, 5 or 10 minutes, got 30 seconds/],
    [{ firewall: { loginPaths: [] } }, /firewall\.loginPaths must have 1 to 5 paths, got 0/],
    [{ firewall: { loginPaths: ['/a', '/b', '/c', '/d', '/e', '/f'] } }, /firewall\.loginPaths must have 1 to 5 paths, got 6/],
    [{ firewall: { loginPaths: ['/pi/auth/', 'pi/login'] } }, /firewall\.loginPaths must each start with '\/' and have at most 200 characters, got 'pi\/login'/],
    [{ firewall: { loginPaths: [`/${'x'.repeat(200)}`] } }, /firewall\.loginPaths must each start with '\/' and have at most 200 characters, got '\/x{200}'/],
    [{ firewall: { countedRules: ['SizeRestrictions_BODY'] } },
      /firewall\.countedRules must each be '<rule group>:<rule>' with a rule group of the firewall \(AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesLinuxRuleSet\), got 'SizeRestrictions_BODY'/],
    [{ firewall: { countedRules: ['AWSManagedRulesSQLiRuleSet:SQLi_BODY'] } }, /firewall\.countedRules must each be .*, got 'AWSManagedRulesSQLiRuleSet:SQLi_BODY'/],
    [{ firewall: { countedRules: ['AWSManagedRulesCommonRuleSet:Bad rule', 'AWSManagedRulesCommonRuleSet:'] } },
      /firewall\.countedRules must each be .*, got 'AWSManagedRulesCommonRuleSet:Bad rule', 'AWSManagedRulesCommonRuleSet:'$/],
    [{ firewall: {}, webAclArn: ACL }, /webAclArn and firewall exclude each other/],
    [{ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
      /webAclArn must be the ARN of a regional AWS WAF web ACL \(arn:<partition>:wafv2:<region>:<account>:regional\/webacl\/<name>\/<id>\), got arn:aws:wafv2:us-east-1:123456789012:global\/webacl\/cdn\/.*: a CloudFront \(global\) web ACL cannot protect a load balancer$/],
    [{ webAclArn: 'arn:aws:waf-regional:eu-west-2:123456789012:webacl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
      /webAclArn must be the ARN of a regional AWS WAF web ACL .*, got arn:aws:waf-regional:eu-west-2:123456789012:webacl\/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111$/],
    [{ webAclArn: 'arn:aws:wafv2:eu-west-2:123456789012:regional/ipset/blocked/a1b2c3d4' }, /webAclArn must be the ARN of a regional AWS WAF web ACL/],
    [{ alarms: { firewallBlockedRequests: { enabled: true } } },
      /alarms\.firewallBlockedRequests watches the firewall this construct creates: set firewall too/],
    [{ webAclArn: ACL, alarms: { firewallBlockedRequests: { enabled: true } } }, /alarms\.firewallBlockedRequests watches the firewall this construct creates/],
    [{ firewall: {}, alarms: { firewallBlockedRequests: { enabled: true, threshold: -1 } } }, /alarms\.firewallBlockedRequests\.threshold must be >= 0 \(got -1\)/],
  ] as Array<[Partial<PanintelligenceDashboardProps>, RegExp]>)('%o', (props, message) => {
    refused(() => props, message);
  });

  test('every firewall mistake is listed in one error', () => {
    expect(() => synth(() => ({ firewall: { loginRateLimit: 1, siteRateLimit: 1, rateLimitWindow: Duration.minutes(4) }, webAclArn: ACL })))
      .toThrow(/4 invalid props:\n  - firewall\.loginRateLimit .*\n  - firewall\.siteRateLimit .*\n  - firewall\.rateLimitWindow .*\n  - webAclArn and firewall/);
  });

  test('a firewall switched off is not checked, and leaves webAclArn alone', () => {
    expect(() => synth(() => ({ firewall: { enabled: false, loginRateLimit: 1, loginPaths: [] }, webAclArn: ACL }))).not.toThrow();
  });

  test('the opt-in alarm\'s settings are not checked while it is off', () => {
    expect(() => synth(() => ({ alarms: { firewallBlockedRequests: { threshold: -1 } } }))).not.toThrow();
  });

  test('unresolved tokens are not checked', () => {
    expect(() => synth(() => ({
      firewall: {
        loginRateLimit: Token.asNumber({ Ref: 'LoginLimit' }),
        siteRateLimit: Token.asNumber({ Ref: 'SiteLimit' }),
        rateLimitWindow: Duration.seconds(Token.asNumber({ Ref: 'Window' })),
        loginPaths: [Token.asString({ Ref: 'LoginPath' })],
        countedRules: Token.asList({ Ref: 'Counted' }),
      },
    }))).not.toThrow();
    expect(() => synth(() => ({ webAclArn: Token.asString({ Ref: 'WebAclArn' }) }))).not.toThrow();
  });

  test('the bounds AWS WAF accepts are accepted', () => {
    expect(() => synth(() => ({
      firewall: {
        loginRateLimit: 10,
        siteRateLimit: 2_000_000_000,
        rateLimitWindow: Duration.minutes(10),
        loginPaths: ['/a', '/b', '/c', '/d', `/${'x'.repeat(199)}`],
        countedRules: ['AWSManagedRulesLinuxRuleSet:LFI_HEADER'],
      },
    }))).not.toThrow();
  });
});

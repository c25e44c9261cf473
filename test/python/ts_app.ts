// The TypeScript half of test_templates.py: synthesizes each scenario with the built library
// (lib/, what the Python package embeds) and prints the templates as JSON.
//
//   ts-node --transpile-only test/python/ts_app.ts [outdir]   prints { scenario: template }
//
// scenarios.py builds the same props in Python; each side must stay a copy of the other.
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DashboardAlarmOptions, PanintelligenceDashboard, PanintelligenceDashboardProps, UpgradeMode } from '../../lib';

type Scenario = (stack: Stack) => PanintelligenceDashboardProps;

const machineImage = () => ec2.MachineImage.genericLinux({ 'eu-west-2': 'ami-0123456789abcdef0' });
const hostedZone = (stack: Stack) => route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
  hostedZoneId: 'Z0123456789EXAMPLE',
  zoneName: 'example.com',
});

const SCENARIOS: { [name: string]: Scenario } = {
  'default': (stack) => ({ machineImage: machineImage(), domainName: 'bi.example.com', hostedZone: hostedZone(stack) }),
  'own-vpc': (stack) => ({
    machineImage: machineImage(),
    domainName: 'bi.example.com',
    hostedZone: hostedZone(stack),
    natGateways: 2,
    secretsManagerEndpoint: false,
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    minCapacity: 2,
    accessLogs: true,
    webAclArn: 'arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/central-bi/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  }),
  'customised': (stack) => {
    const alarms: DashboardAlarmOptions = {
      targetResponseTime: { threshold: 3, evaluationPeriods: 2, datapointsToAlarm: 2, period: Duration.minutes(1) },
      databaseCpu: { enabled: false },
      firewallBlockedRequests: { enabled: true, threshold: 1000 },
    };
    return {
      machineImage: machineImage(),
      vpc: new ec2.Vpc(stack, 'Existing', { maxAzs: 2, natGateways: 1 }),
      secretsManagerEndpoint: true,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate',
        'arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555'),
      licence: secretsmanager.Secret.fromSecretNameV2(stack, 'Licence', 'panintelligence/licence'),
      alarmTopic: new sns.Topic(stack, 'Alarms'),
      alarms,
      keyPair: ec2.KeyPair.fromKeyPairName(stack, 'Key', 'ops'),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.LARGE),
      cpuCredits: ec2.CpuCredits.STANDARD,
      volumeType: ec2.EbsDeviceVolumeType.GP2,
      volumeSize: 30,
      minCapacity: 2,
      maxCapacity: 6,
      desiredCapacity: 3,
      scaleOutCpuPercent: 60,
      scaleInCpuPercent: 25,
      startupTimeout: Duration.minutes(5),
      healthCheckPath: '/pi/',
      databaseInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
      databaseAllocatedStorage: 50,
      databaseMultiAz: false,
      databaseBackupRetention: Duration.days(14),
      databaseRequireTls: true,
      secretRotation: Duration.days(14),
      masterSecretRotation: Duration.days(60),
      idleTimeout: Duration.minutes(15),
      drainTime: Duration.minutes(12),
      syncConcurrency: 8,
      removalPolicy: RemovalPolicy.DESTROY,
      // By name: aws-cdk-lib releases before 2.224.0 have no NODEJS_24_X.
      syncFunctionRuntime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS),
      logRetention: logs.RetentionDays.ONE_MONTH,
      fileSystemBackupRetention: Duration.days(60),
      preUpgradeBackup: true,
      preUpgradeBackupRetention: Duration.days(14),
      upgradeMode: UpgradeMode.EXCLUSIVE,
      databaseSnapshotIdentifier: 'arn:aws:rds:eu-west-2:123456789012:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453',
      loadBalancerSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      outputs: false,
      firewall: {
        loginRateLimit: 50,
        siteRateLimit: 20000,
        rateLimitWindow: Duration.minutes(10),
        loginPaths: ['/pi/auth/', '/pi/api/v2/tokens', '/pi/sso/'],
        countedRules: ['AWSManagedRulesCommonRuleSet:SizeRestrictions_QUERYSTRING'],
      },
    };
  },
  'no-nat': (stack) => ({
    machineImage: machineImage(),
    domainName: 'bi.example.com',
    hostedZone: hostedZone(stack),
    vpc: new ec2.Vpc(stack, 'NoNat', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    }),
    fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    secretsManagerEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Endpoint', 'sg-0123456789abcdef0'),
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-2:123456789012:ops-alarms'),
  }),
  'organisational': (stack) => ({
    machineImage: machineImage(),
    domainName: 'bi.example.com',
    hostedZone: hostedZone(stack),
    encryptionKey: new kms.Key(stack, 'OrganisationKey', { enableKeyRotation: true }),
    logRetention: logs.RetentionDays.ONE_YEAR,
    loadBalancerDeletionProtection: true,
    accessLogs: true,
    detailedMonitoring: true,
    databaseMonitoringInterval: Duration.seconds(15),
    databasePort: 5306,
    additionalInstanceTypes: [new ec2.InstanceType('t3.medium'), new ec2.InstanceType('m6a.large')],
    serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'CentralAccessLogs', 'example-org-access-logs'),
    bucketVersioning: true,
  }),
};

// Every scenario in one process (ts-node's start-up is the slow part): { name: template }.
const templates: { [name: string]: unknown } = {};
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  const app = new App({ outdir: process.argv[2] ? `${process.argv[2]}/${name}` : undefined });
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-2' } });
  new PanintelligenceDashboard(stack, 'Dashboard', scenario(stack));
  templates[name] = app.synth().getStackByName('Stack').template;
}
process.stdout.write(JSON.stringify(templates));

// Integration test: the dashboard in an existing VPC, with a licence secret, alarms sent to a
// topic, non-default sizing for the fleet and the database, the web application firewall (and
// its alarm) in front of the load balancer, and everything removed with the stack. Once
// deployed, the dashboard must answer 200 on https://<domain>/pi/version, through the firewall.
//
// The snapshot in integ.customised.ts.snapshot/ is verified by `npx projen integ` (part of the
// tests) without AWS credentials. test/integ-settings.ts says how to deploy it; the licence
// secret (PI_INTEG_LICENCE_SECRET_NAME) must exist in the account first.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DOMAIN_NAME, expectDashboardAnswers, hostedZone, licence, machineImage } from './integ-settings';
import { PanintelligenceDashboard, UpgradeMode } from '../src';

const app = new App();
const stack = new Stack(app, 'PanintelligenceDashboardIntegCustomised', {
  description: 'Integration test of @panintelligence/cdk-dashboard: existing VPC, licence, custom sizing, firewall',
});

// The "existing" VPC: made outside the construct, with the three kinds of subnet it uses.
const vpc = new ec2.Vpc(stack, 'ExistingVpc', {
  maxAzs: 2,
  natGateways: 1,
  subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
  ],
});

const dashboard = new PanintelligenceDashboard(stack, 'Dashboard', {
  machineImage: machineImage(),
  vpc,
  secretsManagerEndpoint: true,
  domainName: DOMAIN_NAME,
  hostedZone: hostedZone(stack),
  licence: licence(stack),
  alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true }),
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3A, ec2.InstanceSize.LARGE),
  volumeSize: 30,
  minCapacity: 2,
  maxCapacity: 4,
  desiredCapacity: 2,
  scaleOutCpuPercent: 60,
  scaleInCpuPercent: 25,
  databaseInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
  databaseAllocatedStorage: 30,
  databaseMultiAz: false,
  databaseBackupRetention: Duration.days(1),
  secretRotation: Duration.days(7),
  removalPolicy: RemovalPolicy.DESTROY,
  firewall: { loginRateLimit: 50 },
  alarms: { firewallBlockedRequests: { enabled: true } },
  upgradeMode: UpgradeMode.EXCLUSIVE,
  preUpgradeBackupRetention: Duration.days(7),
});

const integ = new IntegTest(app, 'CustomisedConfiguration', {
  testCases: [stack],
  // A deployment uses the caller's AMI, domain and licence, not the snapshot's placeholders, so
  // the committed snapshot is never deployed first.
  stackUpdateWorkflow: false,
});

expectDashboardAnswers(integ, dashboard.url);

app.synth();

import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard, PanintelligenceDashboardProps } from '../src';
import { baseProps } from './util';

export type Scenario = (stack: Stack) => PanintelligenceDashboardProps;

/** The construct with every prop at its default. */
export const defaults: Scenario = (stack) => baseProps(stack);

/** The construct with every option a user may reasonably change. */
export const customised: Scenario = (stack) => {
  const vpc = new ec2.Vpc(stack, 'Existing', {
    maxAzs: 3,
    natGateways: 3,
    flowLogs: { All: {} },
  });
  const key = new kms.Key(stack, 'LicenceKey', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true });
  return {
    ...baseProps(stack),
    vpc,
    secretsManagerEndpoint: true,
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555'),
    licence: secretsmanager.Secret.fromSecretAttributes(stack, 'Licence', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:panintelligence/licence-AbCdEf',
      encryptionKey: key,
    }),
    alarmTopic: topic,
    keyPair: ec2.KeyPair.fromKeyPairName(stack, 'Key', 'ops'),
    instanceType: new ec2.InstanceType('m6a.large'),
    cpuCredits: undefined,
    volumeType: ec2.EbsDeviceVolumeType.GP2,
    volumeSize: 30,
    minCapacity: 2,
    maxCapacity: 6,
    desiredCapacity: 3,
    scaleOutCpuPercent: 60,
    scaleInCpuPercent: 25,
    databaseInstanceType: new ec2.InstanceType('m6g.large'),
    databaseAllocatedStorage: 100,
    databaseMultiAz: false,
    databaseBackupRetention: Duration.days(30),
    databaseRequireTls: true,
    secretRotation: Duration.days(14),
    removalPolicy: RemovalPolicy.DESTROY,
    healthCheckPath: '/',
  };
};

export function build(scenario: Scenario): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Nag', { env: { account: '123456789012', region: 'eu-west-2' } });
  new PanintelligenceDashboard(stack, 'Dashboard', scenario(stack));
  return { app, stack };
}


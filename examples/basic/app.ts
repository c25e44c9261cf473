// A complete app around the dashboard construct. Every value has an embedded default so the
// template can be synthesized without an AWS account; override them with -c key=value to deploy:
//
//   cd examples/basic && npx cdk deploy \
//     -c account=123456789012 -c region=eu-west-2 -c amiId=ami-... \
//     -c domainName=bi.example.com -c hostedZoneId=Z... -c zoneName=example.com \
//     -c licenceSecretName=panintelligence/licence
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard } from '../../lib';

const app = new App();
const setting = (key: string, fallback: string): string => app.node.tryGetContext(key) ?? fallback;
const optional = (key: string): string | undefined => app.node.tryGetContext(key);

const region = setting('region', 'eu-west-2');
const stack = new Stack(app, setting('stackName', 'PanintelligenceDashboard'), {
  env: { account: optional('account') ?? process.env.CDK_DEFAULT_ACCOUNT, region },
  description: 'Panintelligence BI dashboard',
});

const licenceSecretName = optional('licenceSecretName');
const alarmEmail = optional('alarmEmail');
const alarmTopic = alarmEmail ? new sns.Topic(stack, 'Alarms') : undefined;
if (alarmTopic && alarmEmail) {
  new sns.Subscription(stack, 'AlarmEmail', { topic: alarmTopic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: alarmEmail });
}

new PanintelligenceDashboard(stack, 'Dashboard', {
  // The Marketplace "BYOL without database" AMI of your region.
  machineImage: ec2.MachineImage.genericLinux({ [region]: setting('amiId', 'ami-0123456789abcdef0') }),
  domainName: setting('domainName', 'dashboard.example.com'),
  hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: setting('hostedZoneId', 'Z00000000000EXAMPLE'),
    zoneName: setting('zoneName', 'example.com'),
  }),
  licence: licenceSecretName ? secretsmanager.Secret.fromSecretNameV2(stack, 'Licence', licenceSecretName) : undefined,
  alarmTopic,
});

app.synth();

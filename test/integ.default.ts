// Integration test: the dashboard with its defaults (a new VPC, one NAT gateway, t3a.medium
// instances from 1 to 5, a multi-AZ db.t3.micro), except that everything is removed with the
// stack (removalPolicy DESTROY), so a test account is left empty. Otherwise only what has no
// default is given: the AMI, and a domain in a hosted zone for the certificate.
// Once deployed, the dashboard must answer 200 on https://<domain>/pi/version.
//
// The snapshot in integ.default.ts.snapshot/ is verified by `npx projen integ` (part of the
// tests) without AWS credentials. test/integ-settings.ts says how to deploy it.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { DOMAIN_NAME, expectDashboardAnswers, hostedZone, machineImage } from './integ-settings';
import { PanintelligenceDashboard } from '../src';

const app = new App();
const stack = new Stack(app, 'PanintelligenceDashboardIntegDefault', {
  description: 'Integration test of @panintelligence/cdk-dashboard: default configuration',
});

const dashboard = new PanintelligenceDashboard(stack, 'Dashboard', {
  machineImage: machineImage(),
  domainName: DOMAIN_NAME,
  hostedZone: hostedZone(stack),
  removalPolicy: RemovalPolicy.DESTROY,
});

const integ = new IntegTest(app, 'DefaultConfiguration', {
  testCases: [stack],
  // A deployment uses the caller's AMI and domain, not the snapshot's placeholders, so the
  // committed snapshot is never deployed first.
  stackUpdateWorkflow: false,
});

expectDashboardAnswers(integ, dashboard.url);

app.synth();

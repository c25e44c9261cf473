// Settings shared by the integration tests (test/integ.*.ts).
//
// The committed snapshots are synthesized from the placeholders below, without AWS credentials
// and without lookups, so CI can verify them anywhere (`npx projen integ`, part of the tests).
// After a change to the construct, regenerate them with `npx projen integ:snapshot`.
//
// To deploy a test for real (an account bootstrapped for the CDK, a public hosted zone, the
// Marketplace AMI subscribed, and for integ.customised.ts a Secrets Manager secret holding the
// licence), give your own values in environment variables and let integ-runner deploy the stack,
// wait for https://<domain>/pi/version to answer 200, and destroy it:
//
//   export PI_INTEG_REGION=eu-west-2 PI_INTEG_AMI_ID=ami-... \
//     PI_INTEG_DOMAIN_NAME=bi-integ.example.com PI_INTEG_HOSTED_ZONE_ID=Z... PI_INTEG_ZONE_NAME=example.com \
//     PI_INTEG_LICENCE_SECRET_NAME=panintelligence/licence
//   npx projen integ --update-on-failed --force --parallel-regions "$PI_INTEG_REGION" test/integ.default.ts
//
// Your values change the template, so integ-runner deploys it and rewrites the snapshot: do not
// commit that snapshot (`npx projen integ:snapshot` puts back the placeholder one).
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

function setting(name: string, placeholder: string): string {
  const value = process.env[name];
  return value !== undefined && value !== '' ? value : placeholder;
}

/** The region the AMI id belongs to; deploy the test there. */
export const REGION = setting('PI_INTEG_REGION', 'eu-west-2');

/** The Marketplace "BYOL without database" AMI, keyed by `REGION` (no lookup at synth time). */
export function machineImage(): ec2.IMachineImage {
  return ec2.MachineImage.genericLinux({ [REGION]: setting('PI_INTEG_AMI_ID', 'ami-0123456789abcdef0') });
}

/** The dashboard's host name: it must be inside the hosted zone. */
export const DOMAIN_NAME = setting('PI_INTEG_DOMAIN_NAME', 'bi-integ.example.com');

/** The public hosted zone of `DOMAIN_NAME`, imported from its id and name (no lookup). */
export function hostedZone(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: setting('PI_INTEG_HOSTED_ZONE_ID', 'Z00000000000EXAMPLE'),
    zoneName: setting('PI_INTEG_ZONE_NAME', 'example.com'),
  });
}

/** An existing Secrets Manager secret that holds the licence (create it before deploying). */
export function licence(stack: Stack): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(stack, 'Licence', setting('PI_INTEG_LICENCE_SECRET_NAME', 'panintelligence/licence'));
}

/**
 * Asserts that the deployed dashboard answers 200 on its version page (`url` is
 * `https://<host>/pi/`). An instance boots, mounts the file system, configures itself and starts
 * the app behind the load balancer: the wait allows for a slow first boot.
 */
export function expectDashboardAnswers(integ: IntegTest, url: string): void {
  if (!url.endsWith('/pi/')) {
    throw new Error(`expected the dashboard URL to end with /pi/, got ${url}`);
  }
  integ.assertions
    .httpApiCall(`${url}version`)
    .expect(ExpectedResult.objectLike({ status: 200 }))
    .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });
}

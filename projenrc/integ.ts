import { awscdk } from 'projen';

/** The integration tests' snapshot tasks. */
export function addIntegTasks(project: awscdk.AwsCdkConstructLibrary): void {
  // Integration tests (test/integ.*.ts, settings in test/integ-settings.ts): `integ` (run by
  // `test`) verifies the committed snapshots without AWS credentials; `integ:snapshot` regenerates
  // them all (synthesis only) from the placeholder settings after a change to the construct.
  // integ.config.json runs the apps with ts-node in transpile-only mode, and preloads
  // test/integ-schema-compat.ts (see there why).
  const placeholders = Object.fromEntries(['REGION', 'AMI_ID', 'DOMAIN_NAME', 'HOSTED_ZONE_ID', 'ZONE_NAME', 'LICENCE_SECRET_NAME']
    .map((key) => [`PI_INTEG_${key}`, '']));
  const integSnapshot = project.addTask('integ:snapshot', {
    description: 'Regenerate every integration test snapshot from the placeholder settings, without deploying',
    env: placeholders,
  });
  integSnapshot.exec('rm -rf test/integ.*.ts.snapshot');
  integSnapshot.exec('integ-runner --language typescript --update-on-failed --dry-run');
  project.gitattributes.addAttributes('/test/*.snapshot/**', 'linguist-generated');
}

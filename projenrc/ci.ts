import { awscdk } from 'projen';

/**
 * The GitHub build runs what `.ci/run` runs: `projen build`, the check that the build changed no
 * committed file (projen's mutation steps), then scripts/ci-languages.sh with the Debian Python
 * tools it needs (shellcheck for the boot tests is on GitHub's runners already), then the tests
 * at both ends of the supported aws-cdk-lib range.
 */
export function addCiChecks(project: awscdk.AwsCdkConstructLibrary): void {
  project.buildWorkflow?.addPostBuildSteps(
    {
      name: 'Install the OS packages of the language checks',
      run: 'sudo apt-get update -qq && sudo apt-get install -y -qq python3-build python3-wheel python3-setuptools twine',
    },
    { name: 'Check the other languages\' packages and the npm package', run: 'scripts/ci-languages.sh' },
    // The supported aws-cdk-lib range, at both ends (projenrc/cdk-range.ts).
    { name: 'Test against the oldest and the newest supported aws-cdk-lib', run: 'npx projen test:cdk-range' },
  );
}

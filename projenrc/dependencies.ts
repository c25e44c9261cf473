import { awscdk, DependencyType } from 'projen';

/** Pins of the integration-test tools that projen adds unpinned. */
export function pinIntegTools(project: awscdk.AwsCdkConstructLibrary): void {
  // experimentalIntegRunner adds these as `latest`; pin them so a run is repeatable.
  for (const [name, version] of [['@aws-cdk/integ-runner', '2.197.10'], ['@aws-cdk/integ-tests-alpha', '2.245.0-alpha.0']]) {
    project.deps.removeDependency(name, DependencyType.DEVENV);
    project.deps.addDependency(`${name}@${version}`, DependencyType.DEVENV);
  }
}

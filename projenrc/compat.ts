import { awscdk } from 'projen';

/** API compatibility with the last release. */
export function configureCompat(project: awscdk.AwsCdkConstructLibrary): void {
  // API compatibility: projen's `compat` compares with the latest release; before the first
  // release there is none, so scripts/compat.sh says so and succeeds. CI runs it
  // (scripts/ci-languages.sh); it asks the registry, so it is not part of the offline build.
  project.tasks.tryFind('compat')!.reset('bash scripts/compat.sh');
  // End of the jsii languages block.
}

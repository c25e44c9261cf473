import { awscdk } from 'projen';

/** `example`: synthesize the example app from the built library. */
export function addExampleTask(project: awscdk.AwsCdkConstructLibrary): void {
  // The main job: synthesize the example app's CloudFormation from the built library.
  const example = project.addTask('example', {
    description: 'Synthesize the example app (examples/basic) from the built library into cdk.out.example/',
  });
  example.spawn(project.tasks.tryFind('pre-compile')!);
  example.spawn(project.compileTask);
  // examples/basic/cdk.json is the one `cdk init app` (aws-cdk 2.1148) writes, with this app:
  // the feature flags a new app gets, so the synth prints no notice about unconfigured flags.
  example.exec('cdk synth --output ../../cdk.out.example --quiet', { cwd: 'examples/basic' });
  example.exec('ls -1 cdk.out.example/*.template.json');
}

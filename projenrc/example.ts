import { awscdk } from 'projen';

/** `example`: synthesize the example app from the built library. */
export function addExampleTask(project: awscdk.AwsCdkConstructLibrary): void {
  // The main job: synthesize the example app's CloudFormation from the built library.
  const example = project.addTask('example', {
    description: 'Synthesize the example app (examples/basic) from the built library into cdk.out.example/',
  });
  example.spawn(project.tasks.tryFind('pre-compile')!);
  example.spawn(project.compileTask);
  example.exec("cdk synth --app 'ts-node --prefer-ts-exts examples/basic/app.ts' --output cdk.out.example --quiet");
  example.exec('ls -1 cdk.out.example/*.template.json');
}

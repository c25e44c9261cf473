import { awscdk } from 'projen';

/** The boot scripts ship beside the compiled user-data renderer. */
export function addBootScripts(project: awscdk.AwsCdkConstructLibrary): void {
  // Boot script: the user data is rendered at synth time from the shell scripts beside
  // src/private/boot/user-data.ts. jsii compiles only the .ts files into lib/, so copy the scripts to
  // lib/private/boot/ after it; .npmignore keeps lib/ (it drops /src/), so they ship in the package.
  project.compileTask.exec('mkdir -p lib/private/boot && cp src/private/boot/*.sh lib/private/boot/');
  // End of the boot script block.
}

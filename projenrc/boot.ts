import { awscdk } from 'projen';

/** The boot scripts ship beside the compiled user-data renderer; the helper ships packed. */
export function addBootScripts(project: awscdk.AwsCdkConstructLibrary): void {
  // Boot script: the user data is rendered at synth time from the shell scripts beside
  // src/private/boot/user-data.ts. jsii compiles only the .ts files into lib/, so copy the scripts to
  // lib/private/boot/ after it; .npmignore keeps lib/ (it drops /src/), so they ship in the package.
  project.compileTask.exec('mkdir -p lib/private/boot && cp src/private/boot/*.sh lib/private/boot/');
  // The boot helper is gzipped here, once, into assets/ (shipped like the Lambda bundles), so the
  // user data does not depend on the zlib or the operating system of the machine that synthesizes.
  const pack = project.addTask('bundle:boot-helper', {
    description: 'Pack the boot helper into assets/private/boot/ (gzip with a fixed header)',
    exec: 'ts-node --transpile-only --project tsconfig.dev.json -e "console.log(require(\'./src/private/boot/helper-pack\').writePackedHelper())"',
  });
  project.bundler.bundleTask.spawn(pack);
  // End of the boot script block.
}

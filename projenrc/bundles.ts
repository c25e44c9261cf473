import { awscdk } from 'projen';

/** The Lambda handlers' bundles, built into assets/ before jsii compiles. */
export function addLambdaBundles(project: awscdk.AwsCdkConstructLibrary): void {
  // Lambda handlers are bundled when the library is built, SDK included, so the handler runs the
  // exact client it was tested with and Python users need neither esbuild nor Docker.
  project.bundler.addBundle('src/file-sync/sync.lambda.ts', {
    platform: 'node',
    target: 'node24',
    externals: [],
    sourcemap: false,
    tsconfigPath: 'tsconfig.dev.json',
  });
  // The handler's SDK is bundled, so importing it as a dev dependency is right.
  project.eslint?.allowDevDeps('src/**/*.lambda.ts');
}

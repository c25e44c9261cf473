import { awscdk } from 'projen';
import { HANDLER_ROOMS } from './handlers';

/** The Node.js version the bundles are built for: the oldest runtime the functions may use. */
export const HANDLER_NODE_TARGET = 'node24';

/**
 * The Lambda handlers' bundles, built into assets/ before jsii compiles, with their SDK clients
 * and libraries included, so each handler runs the exact code it was tested with and Python
 * users need neither esbuild nor Docker.
 */
export function addLambdaBundles(project: awscdk.AwsCdkConstructLibrary): void {
  for (const entry of HANDLER_ROOMS.map((room) => `${room.dir}/${room.entry}`)) {
    project.bundler.addBundle(entry, {
      platform: 'node',
      target: HANDLER_NODE_TARGET,
      externals: [],
      sourcemap: false,
      tsconfigPath: 'tsconfig.dev.json',
    });
  }
  // The handlers' SDK clients are bundled, so importing them as dev dependencies is right.
  project.eslint?.allowDevDeps('src/**/*.lambda.ts');
}

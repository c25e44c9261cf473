import { awscdk } from 'projen';

/**
 * The Lambda handlers, bundled when the library is built with their SDK clients and libraries
 * included, so each handler runs the exact code it was tested with and Python users need neither
 * esbuild nor Docker.
 */
const HANDLERS = [
  // Copies uploads from S3 to the file system.
  'src/file-sync/sync.lambda.ts',
  // Provisions the dashboard's database user from the master secret (with mysql2).
  'src/private/database-user/provision.lambda.ts',
  // Empties the file system's backup vault when the stack is deleted with RemovalPolicy.DESTROY.
  'src/private/backup-vault-cleanup.lambda.ts',
];

/** The Node.js version the bundles are built for: the oldest runtime the functions may use. */
export const HANDLER_NODE_TARGET = 'node24';

/** The Lambda handlers' bundles, built into assets/ before jsii compiles. */
export function addLambdaBundles(project: awscdk.AwsCdkConstructLibrary): void {
  for (const entry of HANDLERS) {
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

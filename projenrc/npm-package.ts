import { awscdk } from 'projen';

/** `package:check` and what the npm package leaves out. */
export function addNpmPackageChecks(project: awscdk.AwsCdkConstructLibrary): void {
  // npm package: check the tarball of `package:js` (what is published) and install it into a
  // consumer project that synthesizes a stack (scripts/check-npm-package.ts).
  project.addTask('package:check', {
    description: 'Check the npm tarball in dist/js (contents, and a consumer app that synthesizes a stack from it)',
    exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/check-npm-package.ts',
  });
  // Only the library, its assembly, assets and docs ship: not the local toolchain, CI, tooling or
  // example folders.
  for (const path of ['/.ci/', '/.tools/', '/bench-results/', '/examples/', '/scripts/', '/rosetta/', '/integ.config.json', '/CONTRIBUTING.md', 'cdk.out/', '/cdk.out.*/']) {
    project.npmignore?.exclude(path);
  }
}

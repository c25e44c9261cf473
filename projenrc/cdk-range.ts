import { awscdk } from 'projen';

/**
 * Jest suites that never load aws-cdk-lib or constructs (neither they nor anything they import
 * does; test/cdk-range.test.ts checks it): the Lambda handlers against s3rver, MariaDB and the
 * local stand-ins for AWS APIs, and checks of files. They behave the same at every aws-cdk-lib
 * version, so the range tests leave them out; the build runs them once.
 */
export const RANGE_SKIPPED_SUITES: ReadonlyArray<{ readonly path: string; readonly why: string }> = [
  { path: 'test/backup-vault-cleanup.test.ts', why: 'the backup vault cleanup handler against a local AWS Backup stand-in' },
  { path: 'test/database-user/', why: 'the database user handler against MariaDB' },
  { path: 'test/file-sync/bundle.test.ts', why: 'the bundled sync handler against s3rver' },
  { path: 'test/file-sync/deadline.test.ts', why: 'the sync handler\'s deadlines' },
  { path: 'test/file-sync/keys.test.ts', why: 'the sync handler\'s key mapping' },
  { path: 'test/file-sync/link-swap.test.ts', why: 'the sync handler on a real directory' },
  { path: 'test/file-sync/response-url.test.ts', why: 'the sync handler\'s CloudFormation response' },
  { path: 'test/file-sync/resync-scale.test.ts', why: 'the sync handler at scale against s3rver' },
  { path: 'test/file-sync/sync-handler.test.ts', why: 'the sync handler against s3rver' },
  { path: 'test/file-sync/sync-interrupted.test.ts', why: 'the sync handler interrupted, against s3rver' },
  { path: 'test/pre-upgrade-backup-handler.test.ts', why: 'the pre-upgrade backup handler against local stand-ins' },
  { path: 'test/jsii-docs.test.ts', why: 'the TSDoc of the jsii assembly, the same at every version' },
  { path: 'test/readme.test.ts', why: 'the README\'s Python example generator' },
];

/**
 * The aws-cdk-lib range the library supports, tested at both ends by scripts/cdk-range.sh: the
 * peer floors of package.json and the newest releases on the npm registry. At each end, in a copy
 * of the project with that aws-cdk-lib and constructs: the library's code type-checks, the jest
 * suites that load aws-cdk-lib pass (templates, cdk-nag 2 and 3, cfn-lint, validation, cost;
 * `jest --ci`: snapshots are compared, never written), and so do the Python tests (identical
 * templates from Python and TypeScript, the README's Python examples).
 */
export function addCdkRangeTasks(project: awscdk.AwsCdkConstructLibrary): void {
  const pythonPackage = project.tasks.tryFind('package:python:offline')!;
  // The wheel the Python tests install, unless one newer than the assembly is there already.
  const wheelIsStale = '[ -z "$(find dist/python -name \'*.whl\' -newer .jsii 2>/dev/null)" ]';
  const skipped = RANGE_SKIPPED_SUITES.map((suite) => suite.path).join(' ');
  const notRun = 'Not run there, because they never load aws-cdk-lib and behave the same at every version: '
    + RANGE_SKIPPED_SUITES.map((suite) => `${suite.path} (${suite.why})`).join('; ') + '.';

  const ends = [
    ['floor', 'the oldest aws-cdk-lib and constructs the library accepts (the peer floors)'],
    ['latest', 'the newest aws-cdk-lib and constructs on the npm registry'],
  ];
  const range = project.addTask('test:cdk-range', {
    description: 'Run test:cdk-floor and test:cdk-latest: the library against both ends of the aws-cdk-lib range it supports (after compile)',
  });
  for (const [end, what] of ends) {
    const task = project.addTask(`test:cdk-${end}`, {
      description: `Against ${what}, in a copy of the project (after compile): type-check src/, run the jest suites `
        + `(jest --ci, no snapshot written) and the Python tests (test/python). ${notRun}`,
      env: { CDK_RANGE_SKIP: skipped },
    });
    task.spawn(pythonPackage, { condition: wheelIsStale });
    task.exec(`bash scripts/cdk-range.sh ${end}`, { receiveArgs: true });
    range.spawn(task);
  }
}

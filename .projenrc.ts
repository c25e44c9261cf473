import { awscdk, javascript } from 'projen';
import { addBenchTask } from './projenrc/bench';
import { addBootScripts } from './projenrc/boot';
import { addLambdaBundles } from './projenrc/bundles';
import { addCdkRangeTasks } from './projenrc/cdk-range';
import { addCiChecks } from './projenrc/ci';
import { configureCompat } from './projenrc/compat';
import { addCostTableTask } from './projenrc/cost-table';
import { pinIntegTools } from './projenrc/dependencies';
import { addDocsTasks } from './projenrc/docs';
import { addExampleTask } from './projenrc/example';
import { addIntegTasks } from './projenrc/integ';
import { addLintRules } from './projenrc/lint';
import { addNpmPackageChecks } from './projenrc/npm-package';
import { addPythonTasks } from './projenrc/python';
import { configureRelease, RELEASE_OPTIONS } from './projenrc/release';

// The oldest aws-cdk-lib and constructs an app may use with this library (the peer floors), and
// the versions we build and test with (dev dependencies). The floor is the oldest release that
// has every API the library's code calls and on which the stack still deploys; each line below
// names what raised it (`npx projen test:cdk-floor` type-checks src/ and runs the tests there).
// Newer APIs that are only a convenience are avoided: a runtime chosen by name instead of
// Runtime.NODEJS_24_X (2.224.0, src/private/runtime.ts), `Validations` looked up when present
// (2.251.0, src/private/nag.ts).
//   2.182.0: sns.ITopic.masterKey (an alarm topic's key is granted to the services that publish
//            to it, imported topics included) and autoscaling.HealthChecks (the fleet's ELB
//            health check with its grace period).
//   2.215.0: aws-cdk-lib's S3 bucket notifications handler (the uploads bucket's notifications
//            to the sync function) gets the region's latest Python runtime (python3.13); older
//            releases hard-code python3.11, on which Lambda no longer creates functions (since
//            2026-07-31; cfn-lint E2533 in test/cfn-lint.test.ts fails at 2.214.0).
const CDK_FLOOR = '2.215.0';
//   10.0.0: constructs' Construct, IConstruct and Node as aws-cdk-lib 2 has always used them.
//   10.0.5: not an API of ours: cdk-nag 2, the check the README gives users, accepts no older
//           constructs, so an app at 10.0.0 could not check the dashboard it deploys.
const CONSTRUCTS_FLOOR = '10.0.5';
// The versions of the build and the tests. 2.276.0 is the first release on which cdk-nag 3 runs
// as a policy-validation plugin, so our suppressions are proven against both cdk-nag majors; it
// is also above the 2.245.0 that @aws-cdk/integ-tests-alpha requires. Both tools are dev
// dependencies only; their tests skip at the floor (test/cdk-range.ts).
const CDK_DEV_VERSION = '2.276.0';
const CONSTRUCTS_DEV_VERSION = '10.5.1';

const project = new awscdk.AwsCdkConstructLibrary({
  name: '@panintelligence/cdk-dashboard',
  description: 'AWS CDK construct that deploys the Panintelligence BI dashboard: ALB, Auto Scaling fleet, RDS MariaDB, EFS and S3 file sync.',
  keywords: ['aws-cdk', 'cdk', 'panintelligence', 'dashboard', 'business-intelligence', 'construct'],
  author: 'Panintelligence',
  authorAddress: 'support@panintelligence.com',
  authorOrganization: true,
  license: 'Apache-2.0',
  copyrightOwner: 'Panintelligence',
  repositoryUrl: 'https://github.com/panintelligence/cdk-dashboard.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '22.0.0',
  workflowNodeVersion: '22.x',

  // cdkVersion and constructsVersion are the peer floors (`^` ranges); the dev dependencies
  // are the versions above instead of projen's pins at the floor.
  cdkVersion: CDK_FLOOR,
  constructsVersion: CONSTRUCTS_FLOOR,
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',

  ...RELEASE_OPTIONS,

  publishToPypi: {
    distName: 'panintelligence-cdk-dashboard',
    module: 'panintelligence_cdk_dashboard',
    trustedPublishing: true,
  },
  publishToMaven: {
    javaPackage: 'com.panintelligence.cdk.dashboard',
    mavenGroupId: 'com.panintelligence',
    mavenArtifactId: 'cdk-dashboard',
  },
  publishToNuget: {
    dotNetNamespace: 'Panintelligence.Cdk.Dashboard',
    packageId: 'Panintelligence.Cdk.Dashboard',
    trustedPublishing: true,
  },
  publishToGo: {
    moduleName: 'github.com/panintelligence/cdk-dashboard-go',
    packageName: 'cdkdashboard',
  },

  // The sync handler is bundled explicitly below: FileSync builds its own lambda.Function from
  // the bundle (so its runtime can be overridden) and needs no generated function class.
  lambdaAutoDiscover: false,

  devDeps: [
    `aws-cdk-lib@${CDK_DEV_VERSION}`,
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-secrets-manager@^3',
    'mysql2@^3',
    '@aws-sdk/client-backup@^3',
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/client-cloudformation@^3',
    '@types/aws-lambda',
    's3rver@3.7.1',
    'cdk-nag@3.0.2',
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
    'aws-cdk@^2.1100.0',
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // AWS Control Tower's proactive-control rules and the cfn-guard binary that runs them
    // (test/control-tower.test.ts).
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
  ],

  jestOptions: {
    // A test run must never rewrite a snapshot silently.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
    },
  },

  experimentalIntegRunner: true,

  tsconfigDevFile: 'tsconfig.dev.json',
  // One project for every linted file: sources, tests, scripts, the fixtures both of those
  // build on, and the benchmark.
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'fixtures', 'scripts', 'bench', 'projenrc'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  // The example app imports the built library (lib/); it is type-checked when it is synthesized.
  tsconfigDev: { compilerOptions: {}, exclude: ['examples', 'cdk.out*', 'dist', '.tools'] },

  gitignore: ['/.tools/', '/.ci/.node/', '/cdk.out.ci/', 'cdk.out/', '/cdk.out.example/', '/bench-results/'],
});

// projen adds constructs as a peer only; the build uses the version above. (jsii warns, JSII6,
// that the dev versions are above the peer floors: on purpose, the floor is tested on its own.)
project.addDevDeps(`constructs@${CONSTRUCTS_DEV_VERSION}`);

// The project's parts, each in its own module under projenrc/.
pinIntegTools(project);
addLambdaBundles(project);
addLintRules(project);
addExampleTask(project);
addDocsTasks(project);
addBootScripts(project);
addCostTableTask(project);
addBenchTask(project);
addPythonTasks(project);
addNpmPackageChecks(project);
addCdkRangeTasks(project);
addIntegTasks(project);
configureCompat(project);
configureRelease(project);
addCiChecks(project);

// The dashboards the tests and the README generators build (test/ and scripts/ both import them).
project.addPackageIgnore('/fixtures/');

project.synth();

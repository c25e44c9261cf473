import { awscdk, DependencyType, javascript } from 'projen';

// The floor of aws-cdk-lib that users need, and the exact version we build and test with.
// 2.276.0 is the first release on which cdk-nag 3 runs as a policy-validation plugin, so our
// suppressions are proven against both cdk-nag majors; it is also above the 2.245.0 that
// @aws-cdk/integ-tests-alpha requires.
const CDK_VERSION = '2.276.0';

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

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  publishToPypi: {
    distName: 'panintelligence-cdk-dashboard',
    module: 'panintelligence_cdk_dashboard',
  },
  publishToMaven: {
    javaPackage: 'com.panintelligence.cdk.dashboard',
    mavenGroupId: 'com.panintelligence',
    mavenArtifactId: 'cdk-dashboard',
  },
  publishToNuget: {
    dotNetNamespace: 'Panintelligence.Cdk.Dashboard',
    packageId: 'Panintelligence.Cdk.Dashboard',
  },
  publishToGo: {
    moduleName: 'github.com/panintelligence/cdk-dashboard-go',
    packageName: 'cdkdashboard',
  },

  lambdaOptions: {
    // The newest Node.js runtime this aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 wants it).
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    bundlingOptions: {
      // Bundle the SDK too: the handler then runs the exact client it was tested with.
      externals: [],
      sourcemap: false,
    },
  },

  devDeps: [
    '@aws-sdk/client-s3@^3',
    '@types/aws-lambda',
    's3rver@3.7.1',
    'cdk-nag@3.0.2',
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
    'aws-cdk@^2.1100.0',
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
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

  gitignore: ['/.ci/.node/', '/cdk.out.ci/', 'cdk.out/', '/examples/**/cdk.out/', '/bench-results/'],
});

// experimentalIntegRunner adds these as `latest`; pin them so a run is repeatable.
for (const [name, version] of [['@aws-cdk/integ-runner', '2.197.10'], ['@aws-cdk/integ-tests-alpha', '2.245.0-alpha.0']]) {
  project.deps.removeDependency(name, DependencyType.DEVENV);
  project.deps.addDependency(`${name}@${version}`, DependencyType.DEVENV);
}

project.synth();

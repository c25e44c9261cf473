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

  // The sync handler is bundled explicitly below: FileSync builds its own lambda.Function from
  // the bundle (so its runtime can be overridden) and needs no generated function class.
  lambdaAutoDiscover: false,

  devDeps: [
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-lambda@^3',
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
  // One project for every linted file: sources, tests, scripts and the benchmark.
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'scripts', 'bench', 'projenrc'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  // The example app imports the built library (lib/); it is type-checked when it is synthesized.
  tsconfigDev: { compilerOptions: {}, exclude: ['examples', 'cdk.out*', 'dist', '.tools'] },

  gitignore: ['/.tools/', '/.ci/.node/', '/cdk.out.ci/', 'cdk.out/', '/cdk.out.example/', '/bench-results/'],
});

// experimentalIntegRunner adds these as `latest`; pin them so a run is repeatable.
for (const [name, version] of [['@aws-cdk/integ-runner', '2.197.10'], ['@aws-cdk/integ-tests-alpha', '2.245.0-alpha.0']]) {
  project.deps.removeDependency(name, DependencyType.DEVENV);
  project.deps.addDependency(`${name}@${version}`, DependencyType.DEVENV);
}

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

// The main job: synthesize the example app's CloudFormation from the built library.
const example = project.addTask('example', {
  description: 'Synthesize the example app (examples/basic) from the built library into cdk.out.example/',
});
example.spawn(project.tasks.tryFind('pre-compile')!);
example.spawn(project.compileTask);
example.exec("cdk synth --app 'ts-node --prefer-ts-exts examples/basic/app.ts' --output cdk.out.example --quiet");
example.exec('ls -1 cdk.out.example/*.template.json');

project.addTask('docs:suppressions', {
  description: 'Rewrite the README list of cdk-nag suppressions from the construct',
  exec: 'ts-node --project tsconfig.dev.json scripts/update-suppressions.ts',
});

// Boot script: the user data is rendered at synth time from the shell scripts beside
// src/boot/user-data.ts. jsii compiles only the .ts files into lib/, so copy the scripts to
// lib/boot/ after it; .npmignore keeps lib/ (it drops /src/), so they ship in the package.
project.compileTask.exec('mkdir -p lib/boot && cp src/boot/*.sh lib/boot/');
// End of the boot script block.

// Cost table: regenerate the cost estimate section of README.md (between the
// `<!-- cost-table:start -->` and `<!-- cost-table:end -->` markers, appended if missing)
// from the price table in src/cost.ts, and print it. test/cost.test.ts fails when the
// README's section is stale.
project.addTask('cost:table', {
  description: 'Regenerate the cost estimate table in README.md from src/cost.ts',
  exec: "ts-node --transpile-only --project tsconfig.dev.json -e \"process.stdout.write(require('./src/cost').writeCostTable('README.md') + '\\n')\"",
});
// End of the cost table block.

// File sync: `npx projen bench` copies a 1 GiB object from a local S3 server through the
// bundled sync handler and with a plain streamed GetObject, alternately, and fails when the
// handler misses its targets (peak RSS under 128 MB, at least 90 % of the plain throughput).
// Then it re-syncs 1,000 and 10,000 objects of 8 KiB with the handler and with a plain list +
// streamed GET loop at the same concurrency, and fails when the handler takes more than 1.25
// times as long. Not part of `test`: it takes minutes and wants a quiet machine.
const bench = project.addTask('bench', {
  description: 'Benchmark the file-sync handler against plain S3 copies (1 GiB object; many small objects)',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/sync.bench.ts');
// s3rver makes its listing continuation tokens with DES, which OpenSSL 3 only has in its legacy
// provider: without it, a listing of more than 1,000 keys fails.
bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/resync.bench.ts', { env: { NODE_OPTIONS: '--openssl-legacy-provider' } });
project.npmignore?.exclude('/bench/');
// End of the file sync block.

// jsii languages: every language's package is generated and checked as far as this machine
// allows, the README's Python is rosetta's translation of its TypeScript, the integration test
// snapshots are verified, and the API is compared with the last release.
//
// README Python examples: after compile (jsii puts README.md into .jsii), `docs:python` compiles
// every TypeScript example of the README with jsii-rosetta in strict mode (a snippet that does not
// compile fails the build), keeps the translations in .jsii.tabl.json (rosetta reuses them while
// the snippet and the types it uses are unchanged), and writes each Python translation between
// the `<!-- python:start -->` / `<!-- python:end -->` markers after its TypeScript example.
// test/readme.test.ts fails when README.md and the translations disagree; CI's `git diff` fails
// when the build changed README.md.
project.addDevDeps('jsii-reflect@^1.140.0');
project.gitignore.exclude('/.jsii.tabl.json');
const docsPython = project.addTask('docs:python', {
  description: "Compile the README's TypeScript examples with jsii-rosetta --strict and write their Python translations into README.md",
});
docsPython.exec('jsii-rosetta extract --strict .');
docsPython.exec('ts-node --transpile-only --project tsconfig.dev.json scripts/readme-python.ts');
project.postCompileTask.spawn(docsPython);

// Python without PyPI: projen's `package:python` (kept for the release workflow) needs pip to
// install build tools from PyPI. This route generates the sources with jsii-pacmak, builds the
// sdist and wheel with Debian's python3-build/-wheel/-setuptools and twine, byte-compiles the
// sources, and inspects the result (scripts/check-python-package.py). It needs the .jsii and the
// rosetta tablet from the build: every README example must have its Python translation.
const pythonOffline = project.addTask('package:python:offline', {
  description: 'Build and check the Python sdist and wheel with Debian\'s Python tools, without PyPI (after compile)',
});
pythonOffline.exec('rm -rf dist/python-src dist/python');
pythonOffline.exec('jsii-pacmak --target python --code-only --outdir dist/python-src --rosetta-unknown-snippets fail --no-npmignore');
pythonOffline.exec('/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/python-src/python');
pythonOffline.exec('/usr/bin/python3 -m compileall -q dist/python-src/python/src');
pythonOffline.exec('twine check --strict dist/python/*');
pythonOffline.exec('/usr/bin/python3 scripts/check-python-package.py .jsii dist/python-src/python dist/python');

// npm package: check the tarball of `package:js` (what is published) and install it into a
// consumer project that synthesizes a stack (scripts/check-npm-package.ts).
project.addTask('package:check', {
  description: 'Check the npm tarball in dist/js (contents, and a consumer app that synthesizes a stack from it)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/check-npm-package.ts',
});
// Only the library, its assembly, assets and docs ship: not the local toolchain, CI, tooling or
// example folders.
for (const path of ['/.ci/', '/.tools/', '/bench-results/', '/examples/', '/scripts/', '/rosetta/', '/integ.config.json', 'cdk.out/', '/cdk.out.*/']) {
  project.npmignore?.exclude(path);
}

// Integration tests (test/integ.*.ts, settings in test/integ-settings.ts): `integ` (run by
// `test`) verifies the committed snapshots without AWS credentials; `integ:snapshot` regenerates
// them all (synthesis only) from the placeholder settings after a change to the construct.
// integ.config.json runs the apps with ts-node in transpile-only mode, and preloads
// test/integ-schema-compat.ts (see there why).
const placeholders = Object.fromEntries(['REGION', 'AMI_ID', 'DOMAIN_NAME', 'HOSTED_ZONE_ID', 'ZONE_NAME', 'LICENCE_SECRET_NAME']
  .map((key) => [`PI_INTEG_${key}`, '']));
const integSnapshot = project.addTask('integ:snapshot', {
  description: 'Regenerate every integration test snapshot from the placeholder settings, without deploying',
  env: placeholders,
});
integSnapshot.exec('rm -rf test/integ.*.ts.snapshot');
integSnapshot.exec('integ-runner --language typescript --update-on-failed --dry-run');
project.gitattributes.addAttributes('/test/*.snapshot/**', 'linguist-generated');

// API compatibility: projen's `compat` compares with the latest release; before the first
// release there is none, so scripts/compat.sh says so and succeeds. CI runs it
// (scripts/ci-languages.sh); it asks the registry, so it is not part of the offline build.
project.tasks.tryFind('compat')!.reset('bash scripts/compat.sh');
// End of the jsii languages block.

// Lint type-checks every file through tsconfig.dev.json, whose `**/*.ts` skips dot files.
project.tsconfigDev.addInclude('.projenrc.ts');

project.synth();

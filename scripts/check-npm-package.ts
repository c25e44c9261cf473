// Checks the npm package that `npx projen package:js` packed into dist/js/ (what is published):
//
// 1. its files: the compiled library, the .jsii assembly, the boot scripts, the packed boot helper
//    and every Lambda bundle under assets/, README.md, API.md and LICENSE are in it; sources,
//    tests, tooling and local folders are not;
// 2. a consumer: the tarball is unpacked into the node_modules of an empty project outside this
//    repository, next to links to aws-cdk-lib and constructs (its peer dependencies, taken from
//    this repository: nothing is downloaded). A plain JavaScript app there requires
//    '@panintelligence/cdk-dashboard', synthesizes a stack with the default props, and checks
//    the template's resources and that the sync function's code is the bundle shipped in the
//    package (no esbuild or Docker at the consumer).
//
//   ts-node --transpile-only scripts/check-npm-package.ts [tarball]
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';

const ROOT = join(__dirname, '..');
const problems: string[] = [];

/** Files under `dir` (relative to ROOT) whose name is `name`. */
function filesNamed(dir: string, name: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  const found: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...filesNamed(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

function findTarball(): string {
  const given = process.argv[2];
  if (given) return given;
  const dir = join(ROOT, 'dist', 'js');
  const tarballs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tgz')) : [];
  if (tarballs.length !== 1) {
    throw new Error(`expected one tarball in dist/js, found ${JSON.stringify(tarballs)}: run \`npx projen package:js\` first`);
  }
  const tarball = join(dir, tarballs[0]);
  if (statSync(tarball).mtimeMs < statSync(join(ROOT, '.jsii')).mtimeMs) {
    throw new Error(`${relative(ROOT, tarball)} is older than .jsii: run \`npx projen package:js\` again`);
  }
  return tarball;
}

/** What must ship, and what must not. */
function checkFiles(files: string[]): void {
  const has = new Set(files);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const required = ['package.json', 'README.md', 'API.md', 'LICENSE', '.jsii', pkg.main, pkg.types];
  // Every bundled handler, the packed boot helper, and every boot script the user data is rendered from.
  const bundles = filesNamed('assets', 'index.js');
  if (bundles.length === 0) problems.push('assets/ has no bundled handler: run `npx projen bundle` first');
  required.push(...bundles, 'assets/private/boot/panintelligence-boot.gz');
  required.push(...readdirSync(join(ROOT, 'src', 'private', 'boot')).filter((f) => f.endsWith('.sh')).map((f) => `lib/private/boot/${f}`));
  for (const file of required) {
    if (!has.has(file)) problems.push(`the package has no ${file}`);
  }
  if (!files.some((f) => /^assets\/.*sync.*\/index\.js$/.test(f))) {
    problems.push('the package has no bundle of the sync function (assets/**/sync*/index.js)');
  }
  const unwanted = [
    /^(src|test|scripts|examples|bench|bench-results|rosetta|projenrc|coverage|test-reports|dist|\.ci|\.tools|\.github|\.projen)\//,
    /^cdk\.out/, /\.snapshot\//, /\.test\./, /^\.projenrc\.ts$/, /^tsconfig/, /^integ\.config\.json$/,
    /^\.(eslintrc\.json|gitattributes|gitignore|npmignore|mergify\.yml)$/, /\.tsbuildinfo$/,
    /^lib\/.*(?<!\.d)\.ts$/,
  ];
  const shipped = files.filter((f) => unwanted.some((re) => re.test(f)));
  if (shipped.length > 0) {
    problems.push(`the package ships ${shipped.length} files it should not: ${shipped.slice(0, 10).join(', ')}${shipped.length > 10 ? ', ...' : ''}`);
  }
}

const CONSUMER_APP = `
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { App, Stack } = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const route53 = require('aws-cdk-lib/aws-route53');
const { PanintelligenceDashboard } = require('@panintelligence/cdk-dashboard');

const installed = path.dirname(require.resolve('@panintelligence/cdk-dashboard/package.json'));
assert.strictEqual(installed, path.join(__dirname, 'node_modules', '@panintelligence', 'cdk-dashboard'),
  'the library must come from the unpacked tarball');

const app = new App({ outdir: path.join(__dirname, 'cdk.out') });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-2' } });
new PanintelligenceDashboard(stack, 'Dashboard', {
  machineImage: ec2.MachineImage.genericLinux({ 'eu-west-2': 'ami-0123456789abcdef0' }),
  domainName: 'bi.example.com',
  hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' }),
});
const assembly = app.synth();
const artifact = assembly.getStackByName('Consumer');
const resources = Object.values(artifact.template.Resources);
const types = new Set(resources.map((r) => r.Type));
const expected = [
  'AWS::EC2::VPC', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::EC2::LaunchTemplate',
  'AWS::AutoScaling::AutoScalingGroup', 'AWS::RDS::DBInstance', 'AWS::SecretsManager::Secret',
  'AWS::EFS::FileSystem', 'AWS::EFS::AccessPoint', 'AWS::S3::Bucket', 'AWS::Lambda::Function',
];
const missing = expected.filter((t) => !types.has(t));
assert.deepStrictEqual(missing, [], 'resource types missing from the template');

// The user data is rendered from the boot scripts shipped in lib/private/boot/.
const launchTemplate = resources.find((r) => r.Type === 'AWS::EC2::LaunchTemplate');
assert.ok(JSON.stringify(launchTemplate.Properties.LaunchTemplateData.UserData ?? '').length > 1000, 'the user data is rendered');

// The sync function's code is an asset staged from the bundle inside the installed package.
const shipped = fs.readdirSync(path.join(installed, 'assets'), { recursive: true })
  .filter((f) => /sync.*[\\\\/]index\\.js$/.test(f))
  .map((f) => path.join(installed, 'assets', f));
assert.ok(shipped.length > 0, 'the installed package has the sync function bundle');
const bundle = fs.readFileSync(shipped[0]);
const staged = fs.readdirSync(assembly.directory)
  .filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(assembly.directory, d, 'index.js')))
  .filter((d) => fs.readFileSync(path.join(assembly.directory, d, 'index.js')).equals(bundle));
assert.strictEqual(staged.length, 1, 'exactly one staged asset is the shipped sync bundle');
const assetDir = staged[0];
// Staged as asset.<hash>, plus the extension of the source folder's name when it has one.
const assetHash = /^asset\\.([0-9a-f]+)/.exec(assetDir)[1];
const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function'
  && JSON.stringify(r.Properties.Code ?? {}).includes(assetHash));
assert.ok(fn, 'a Lambda function deploys the shipped sync bundle');

console.log(JSON.stringify({ resources: resources.length, types: types.size, syncBundle: path.relative(installed, shipped[0]), assetDir }));
`;

/** Unpack the tarball into a fresh project and synthesize the consumer app there. */
function checkConsumer(tarball: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cdk-dashboard-consumer-'));
  try {
    const modules = join(dir, 'node_modules');
    const target = join(modules, '@panintelligence', 'cdk-dashboard');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
    const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    // The peer dependencies (and any dependency, though there is none) are linked from this
    // repository's node_modules: one copy of aws-cdk-lib and constructs, as npm would install.
    for (const name of [...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.dependencies ?? {})]) {
      const source = join(ROOT, 'node_modules', name);
      if (!existsSync(source)) throw new Error(`${name} is not installed in this repository`);
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(source, join(modules, name), 'dir');
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
    writeFileSync(join(dir, 'app.js'), CONSUMER_APP);
    const env = { ...process.env };
    for (const key of ['NODE_PATH', 'NODE_OPTIONS', 'TS_NODE_PROJECT', 'CDK_CONTEXT_JSON', 'CDK_OUTDIR']) delete env[key];
    const out = execFileSync(process.execPath, ['app.js'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    console.log(`consumer app: ${out.trim().split('\n').pop()}`);
  } catch (e) {
    problems.push(`the consumer app failed: ${e instanceof Error ? e.message : e}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const tarball = findTarball();
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n').filter((f) => f && !f.endsWith('/')).map((f) => f.replace(/^package\//, ''));
  console.log(`${relative(ROOT, tarball)}: ${files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB`);
  checkFiles(files);
  if (problems.length === 0) checkConsumer(tarball);
  if (problems.length > 0) {
    console.error(`npm package: ${problems.length} problems`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log('npm package OK');
  }
}

main();

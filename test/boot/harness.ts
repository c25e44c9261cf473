// Shared by the boot tests: renders the user data in a real stack, resolves it to the text an
// instance would receive, and runs the boot helper exactly as rendered.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DashboardBootOptions, renderDashboardUserData } from '../../src/private/boot';

export const BOOT_SRC_DIR = path.join(__dirname, '..', '..', 'src', 'private', 'boot');

export const REGION = 'eu-west-2';
export const FILE_SYSTEM_ID = 'fs-0123456789abcdef0';
export const DATABASE_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:DashboardDatabaseSecret-AbCdEf`;
export const LICENCE_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:DashboardLicence-GhIjKl`;
export const PUBLIC_HOST = 'Dashb-Alb-1A2B3C4D5E6F-1234567890.eu-west-2.elb.amazonaws.com';

export const STACK_ID = `arn:aws:cloudformation:${REGION}:123456789012:stack/Dashboard/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
export const SIGNAL_RESOURCE = 'DashboardFleetAutoScalingGroupASGA6EDCFC3';

export interface RenderOptions {
  readonly withLicence?: boolean;
  readonly schemaName?: string;
  /** Render the signal settings (as the construct does), with this boot budget. */
  readonly bootBudget?: Duration;
  /** Render the exclusive upgrade mode's wait for the old version. */
  readonly waitForOldVersion?: boolean;
  /** Identifier of the database instance. */
  readonly databaseInstanceId?: string;
  /** Numeric owner of the data on the file system. */
  readonly dataOwner?: { uid: number; gid: number };
}

/**
 * Renders the user data with values that are tokens, as the construct passes them, and
 * resolves the result to text, replacing each token by a plausible value.
 */
export function renderUserDataText(options: RenderOptions = {}): string {
  const stack = new Stack(new App(), 'Boot');
  const fileSystem = new efs.CfnFileSystem(stack, 'FileSystem');
  const databaseSecret = new secretsmanager.Secret(stack, 'DatabaseSecret');
  const licence = new secretsmanager.Secret(stack, 'Licence');
  const loadBalancer = new elbv2.CfnLoadBalancer(stack, 'Alb');
  const bootOptions: DashboardBootOptions = {
    fileSystemId: fileSystem.ref,
    databaseSecretArn: databaseSecret.secretArn,
    licenceSecretArn: options.withLicence === false ? undefined : licence.secretArn,
    publicHost: loadBalancer.attrDnsName,
    schemaName: options.schemaName,
    dataOwner: options.dataOwner,
    signal: options.bootBudget ? {
      stackId: Aws.STACK_ID,
      logicalId: Lazy.string({ produce: () => SIGNAL_RESOURCE }),
      budget: options.bootBudget,
    } : undefined,
    waitForOldVersion: options.waitForOldVersion,
    databaseInstanceId: options.databaseInstanceId,
  };
  const values: Record<string, string> = {
    [stack.resolve(fileSystem.ref).Ref]: FILE_SYSTEM_ID,
    [stack.resolve(databaseSecret.secretArn).Ref]: DATABASE_SECRET_ARN,
    [stack.resolve(licence.secretArn).Ref]: LICENCE_SECRET_ARN,
    'AWS::Region': REGION,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackId': STACK_ID,
  };
  const resolved = stack.resolve(renderDashboardUserData(bootOptions).render());
  return resolveJoin(resolved, (part) => {
    if (typeof part.Ref === 'string' && part.Ref in values) {
      return values[part.Ref];
    }
    const getAtt = part['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'DNSName') {
      return PUBLIC_HOST;
    }
    throw new Error(`unexpected token in the user data: ${JSON.stringify(part)}`);
  });
}

function resolveJoin(resolved: any, valueOf: (part: any) => string): string {
  if (typeof resolved === 'string') {
    return resolved;
  }
  const join = resolved['Fn::Join'];
  if (!Array.isArray(join) || Object.keys(resolved).length !== 1) {
    throw new Error(`expected a string or Fn::Join, got ${JSON.stringify(resolved)}`);
  }
  const [separator, parts] = join as [string, any[]];
  return parts.map((part) => (typeof part === 'string' ? part : valueOf(part))).join(separator);
}

/** The lines between `<<'DELIMITER'` and `DELIMITER` in the rendered user data. */
export function heredocBody(userData: string, delimiter: string): string {
  const lines = userData.split('\n');
  const start = lines.findIndex((line) => line.endsWith(`<<'${delimiter}'`) || line.includes(`<<'${delimiter}' `));
  const end = lines.indexOf(delimiter, start + 1);
  if (start < 0 || end < 0) {
    throw new Error(`no heredoc ${delimiter} in the user data`);
  }
  return lines.slice(start + 1, end).join('\n') + '\n';
}

/** The permission bits of a file (mode modulo 0o1000, i.e. without the type bits). */
export function permissions(file: string): number {
  return fs.statSync(file).mode % 0o1000;
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pi-boot-${prefix}-`));
}

export function writeExecutable(file: string, content: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o755 });
}

/** The boot helper as the user data installs it: its heredoc decoded by the same pipeline. */
export function renderedHelper(userData: string): string {
  const line = userData.split('\n').find((l) => l.includes("<<'PI_BOOT_HELPER'"));
  expectLine(line, "base64 -d <<'PI_BOOT_HELPER' | gunzip >/usr/local/sbin/panintelligence-boot");
  const decoded = spawnSync('bash', ['-c', 'set -o pipefail; base64 -d | gunzip'], {
    input: heredocBody(userData, 'PI_BOOT_HELPER'),
    encoding: 'utf-8',
  });
  if (decoded.status !== 0) {
    throw new Error(`the helper does not decode: ${decoded.stderr}`);
  }
  return decoded.stdout;
}

function expectLine(actual: string | undefined, expected: string) {
  if (actual !== expected) {
    throw new Error(`expected the line ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Writes the boot helper as the user data installs it (comment lines removed) into dir. */
export function installRenderedHelper(dir: string, options: RenderOptions = {}): string {
  const helper = path.join(dir, 'panintelligence-boot');
  writeExecutable(helper, renderedHelper(renderUserDataText(options)));
  return helper;
}

export function run(command: string, args: string[], env: Record<string, string>, cwd?: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { env, cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) {
    throw result.error;
  }
  return result;
}

/** Runs shellcheck at its strictest default severity; returns its findings ('' when clean). */
export function shellcheck(file: string): string {
  const result = spawnSync('shellcheck', ['--external-sources', '--shell=bash', '--severity=style', '--format=gcc', file], {
    encoding: 'utf-8',
  });
  if (result.error) {
    throw new Error(`shellcheck is required by these tests (apt-get install shellcheck): ${result.error.message}`);
  }
  return `${result.stdout}${result.stderr}`.trim() + (result.status === 0 ? '' : `\n(exit ${result.status})`);
}

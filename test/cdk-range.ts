// The aws-cdk-lib the tests run with: the dev dependency, or one end of the supported range under
// scripts/cdk-range.sh. A few test tools need a newer aws-cdk-lib than the library itself does;
// their tests skip below that version and say why in their names.

import * as lambda from 'aws-cdk-lib/aws-lambda';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const CDK_VERSION: string = require('aws-cdk-lib/package.json').version;

/** True when the aws-cdk-lib in use is `minimum` or newer. */
export function cdkAtLeast(minimum: string): boolean {
  const have = CDK_VERSION.split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) !== want[i]) {
      return (have[i] ?? 0) > want[i];
    }
  }
  return true;
}

/**
 * `test` where the aws-cdk-lib in use is `minimum` or newer (and older than `before`, when given);
 * elsewhere a skipped test whose name says what needs which versions.
 */
export function testFromCdk(minimum: string, what: string, before?: string): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  if (cdkAtLeast(minimum) && (before === undefined || !cdkAtLeast(before))) {
    return test;
  }
  const needs = before === undefined ? `aws-cdk-lib ${minimum} or later` : `aws-cdk-lib from ${minimum} to before ${before}`;
  return (name, fn, timeout) => test.skip(`${name} [skipped: ${what} needs ${needs}, this run has ${CDK_VERSION}]`, fn, timeout);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nagPeerRange: string = require('cdk-nag/package.json').peerDependencies['aws-cdk-lib'];

/** cdk-nag 3 (AwsSolutionsChecks with `validateScope`): the floor of its aws-cdk-lib peer range. */
export const CDK_NAG_3 = nagPeerRange.replace(/^[\^~>=]+/, '');

/**
 * cdk-nag 3 as a policy-validation plugin: aws-cdk-lib 2.258.0 is the first release that hands
 * plugins the construct tree (`appConstruct` on the validation context), which cdk-nag 3 reads.
 */
export const CDK_NAG_3_PLUGIN = '2.258.0';

/**
 * The runtime the library's functions get by default: the newest `nodejsNN.x` this aws-cdk-lib
 * lists, Node.js 24 (the bundles' target) at least.
 */
export const DEFAULT_NODE_RUNTIME = `nodejs${Math.max(24, ...lambda.Runtime.ALL
  .map((runtime) => /^nodejs(\d+)\.x$/.exec(runtime.name))
  .map((match) => (match ? Number(match[1]) : 0)))}.x`;
